"""Janus VideoRoom as the group room's selective forwarding unit.

- `config`: the Janus configuration folder, generated from `JanusSettings`.
- `process`: `JanusProcess` runs and supervises Janus; `find_janus` tells if it is installed.
- `client`: `JanusClient`, the Janus API over WebSocket (sessions, handles, events).
- `videoroom`: typed VideoRoom requests (`RoomAdmin`, `Publisher`, `Subscriber`).
"""
