// Entry point: read the join link, show the device check, then the room.

import './style.css';
import { Call, type Ending } from './call';
import { Connection } from './connection';
import { DeviceCheck } from './devicecheck';
import { clear, h } from './dom';
import { forgetToken, readJoinLink, rememberToken, type JoinLink } from './link';
import { linkProblem, NOT_A_LINK } from './words';

function showMessage(
  container: HTMLElement,
  title: string,
  text: string,
  action?: { label: string; run: () => void },
): void {
  const heading = h('h1', { tabindex: '-1' }, title);
  const screen = h('main', { class: 'message-screen' }, heading, h('p', { class: 'lead' }, text));
  if (action) {
    const button = h('button', { type: 'button', class: 'button primary' }, action.label);
    button.addEventListener('click', action.run);
    screen.appendChild(button);
  }
  clear(container);
  container.appendChild(screen);
  heading.focus();
}

function begin(container: HTMLElement, link: JoinLink): void {
  let check: DeviceCheck | null = null;
  let call: Call | null = null;
  let over = false;

  rememberToken(link);
  const finish = (ending: Ending): void => {
    over = true;
    if (ending.forgetLink) forgetToken(link.session);
    showMessage(
      container,
      ending.title,
      ending.text,
      ending.rejoin
        ? { label: ending.rejoinLabel ?? 'Join again', run: () => begin(container, link) }
        : undefined,
    );
  };

  const conn = new Connection(link, {
    connected: () => {
      check?.setServerState('ready');
      call?.onConnected();
    },
    disconnected: (reason) => {
      check?.setServerState('connecting');
      call?.onDisconnected(reason);
    },
    refused: (error) => {
      if (over) return;
      if (call) {
        call.onRefused(error);
        return;
      }
      check?.destroy();
      check = null;
      over = true;
      conn.close();
      forgetToken(link.session);
      showMessage(container, 'This link cannot be used', linkProblem(error.code));
    },
    unreachable: () => {
      check?.setServerState('unreachable');
    },
    roomEvent: (event) => call?.onRoomEvent(event),
    signal: (event) => call?.onSignal(event),
    closed: (event) => call?.onClosed(event),
    sfuOffer: (event) => call?.onSfuOffer(event),
    speaking: (event) => call?.onSpeaking(event),
    roomEntered: (event) => call?.onRoomEntered(event),
    waitingStatus: (event) => call?.onWaitingStatus(event),
    denied: (event) => call?.onDenied(event),
    waitingUpdated: (waiting) => call?.onWaitingUpdated(waiting),
    unmuteAllowed: () => call?.onUnmuteAllowed(),
    sessionEnded: (event) => call?.onSessionEnded(event),
    chatMessage: (event) => call?.onChatMessage(event),
    chatRemoved: (event) => call?.onChatRemoved(event),
    breakouts: (event) => call?.breakouts.update(event),
    breakoutMoving: (event) => call?.onBreakoutMoving(event),
    breakoutWarning: (event) => call?.breakouts.warning(event),
    breakoutBroadcast: (event) => call?.breakouts.broadcast(event),
    breakoutHelp: (event) => call?.breakouts.help(event),
    checkInInvited: (event) => void call?.checkIn.invited(event),
    checkInUpdated: (event) => call?.checkIn.updated(event),
    checkInSteppedOut: (event) => call?.checkIn.steppedOut(event),
  });

  check = new DeviceCheck(container, link, (choices) => {
    check = null;
    call = new Call(container, conn, link, choices, finish);
    call.start();
  });
  conn.connect();
  void check.start();
}

function boot(): void {
  const container = document.getElementById('app');
  if (!container) return;
  const { session, link } = readJoinLink();
  if (!session) {
    showMessage(container, 'Welcome', NOT_A_LINK);
    return;
  }
  if (!link) {
    showMessage(container, 'This link cannot be used', linkProblem('token_missing'));
    return;
  }
  begin(container, link);
}

boot();
