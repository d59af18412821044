"""The outside world: HTTP, Socket.IO, join tokens, WebRTC negotiation, the CLI."""
