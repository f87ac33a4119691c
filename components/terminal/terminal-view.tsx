'use client';

// One terminal session in the browser (issue P1.6): xterm.js (fit, web links, search, unicode 11)
// attached to /ws/terminals/{id} with the `dvm.terminal.v1` subprotocol (docs/terminal-protocol.md).
//
// - Credentials: the session cookie, which the browser sends with the upgrade (the control plane
//   checks the Origin, then the cookie, and re-checks the role on every connect). No ticket is
//   minted: a page is same-origin, and a ticket would add a round trip to every reconnect.
// - Resume: every reconnect asks for `?offset=` = the end of the output written so far, so nothing
//   is lost or repeated; a fresh page (no offset) gets a snapshot of the screen.
// - Connection state is visible and in `data-status` (connecting | open | reconnecting | closed |
//   exited); drops reconnect with exponential backoff (0.5 s … 15 s) behind a banner with
//   "Retry now". Refusals (signed out, forbidden, no such session) and the end of the session
//   stop reconnecting and say why.
// - Read-only viewers never send input, including xterm's automatic answers to terminal queries.
// - Copy: selecting copies on Ctrl+Shift+C (or the browser's copy); paste: Ctrl+Shift+V or the
//   browser's paste. Search: Ctrl+Shift+F opens the search box.
// - Colours follow the page's theme tokens (--bg, --fg): the system's scheme or the header's
//   light/dark choice (`data-theme` on <html>), live.

import '@xterm/xterm/css/xterm.css';
import { useEffect, useRef, useState } from 'react';
import {
  CLOSE,
  decodeServerFrame,
  encodeAck,
  encodeInput,
  encodeResize,
  TERMINAL_SUBPROTOCOL,
} from './terminal-frames';

export type TerminalStatus = 'connecting' | 'open' | 'reconnecting' | 'closed' | 'exited';

const LIGHT = { background: '#ffffff', foreground: '#1f2328', cursor: '#1f2328' };

/**
 * The terminal's colours: the page's, as the body resolves its tokens for the current scheme
 * (light ones if the stylesheet gives none).
 */
function pageColours(): typeof LIGHT {
  const css = getComputedStyle(document.body);
  const background = css.backgroundColor || LIGHT.background;
  const foreground = css.color || LIGHT.foreground;
  return { background, foreground, cursor: foreground };
}

/** Close codes after which reconnecting cannot help. */
const FINAL = new Set<number>([
  CLOSE.unauthenticated,
  CLOSE.forbidden,
  CLOSE.noSuchSession,
  CLOSE.sessionEnded,
  CLOSE.unsupportedProtocol,
  CLOSE.badFrame,
]);

const ACK_EVERY_BYTES = 64 * 1024;

export function TerminalView({ sessionId, socketPath }: { sessionId: string; socketPath: string }) {
  const host = useRef<HTMLDivElement>(null);
  const [status, setStatus] = useState<TerminalStatus>('connecting');
  const [message, setMessage] = useState('');
  const [readOnly, setReadOnly] = useState(false);
  const [retryIn, setRetryIn] = useState(0);
  const [searching, setSearching] = useState(false);
  const retryNow = useRef<() => void>(() => undefined);
  const searchNext = useRef<(text: string) => void>(() => undefined);

  useEffect(() => {
    let disposed = false;
    let cleanup = () => undefined as void;
    void (async () => {
      const [{ Terminal }, { FitAddon }, { WebLinksAddon }, { SearchAddon }, { Unicode11Addon }] =
        await Promise.all([
          import('@xterm/xterm'),
          import('@xterm/addon-fit'),
          import('@xterm/addon-web-links'),
          import('@xterm/addon-search'),
          import('@xterm/addon-unicode11'),
        ]);
      if (disposed || !host.current) return;
      const dark = window.matchMedia('(prefers-color-scheme: dark)');
      const term = new Terminal({
        allowProposedApi: true,
        cursorBlink: true,
        fontFamily: 'ui-monospace, SFMono-Regular, Menlo, Consolas, monospace',
        fontSize: 14,
        scrollback: 5000,
        theme: pageColours(),
      });
      const fit = new FitAddon();
      const search = new SearchAddon();
      term.loadAddon(fit);
      term.loadAddon(search);
      term.loadAddon(new WebLinksAddon());
      term.loadAddon(new Unicode11Addon());
      term.unicode.activeVersion = '11';
      term.open(host.current);
      fit.fit();
      searchNext.current = (text) => void search.findNext(text);
      const onTheme = () => {
        term.options.theme = pageColours();
      };
      dark.addEventListener('change', onTheme);
      const themeChoice = new MutationObserver(onTheme);
      themeChoice.observe(document.documentElement, { attributeFilter: ['data-theme'] });

      let socket: WebSocket | undefined;
      // `received`: the end of the output handed to xterm (every byte of it will be written), so
      // the resume point; `offset`: the end of what xterm has written, so the ack point.
      let received: number | undefined;
      let offset: number | undefined;
      let acked = 0;
      let writable = false;
      let attempt = 0;
      let timer: ReturnType<typeof setTimeout> | undefined;
      let countdown: ReturnType<typeof setInterval> | undefined;
      let final = false;

      const send = (bytes: Uint8Array) => {
        if (socket?.readyState === WebSocket.OPEN) socket.send(bytes);
      };
      const ack = (force = false) => {
        if (offset === undefined) return;
        if (force || offset - acked >= ACK_EVERY_BYTES) {
          acked = offset;
          send(encodeAck(offset));
        }
      };

      term.attachCustomKeyEventHandler((event) => {
        if (event.type !== 'keydown' || !event.ctrlKey || !event.shiftKey) return true;
        const key = event.key.toLowerCase();
        if (key === 'c' && term.hasSelection()) {
          void navigator.clipboard?.writeText(term.getSelection());
          return false;
        }
        if (key === 'v') {
          void navigator.clipboard?.readText().then((text) => term.paste(text));
          return false;
        }
        if (key === 'f') {
          setSearching(true);
          return false;
        }
        return true;
      });
      const input = term.onData((data) => {
        // Read-only: nothing leaves, not even xterm's automatic answers to queries.
        if (writable) send(encodeInput(data));
      });
      const binary = term.onBinary((data) => {
        if (writable) send(encodeInput(Uint8Array.from(data, (c) => c.charCodeAt(0) & 0xff)));
      });
      const resized = term.onResize(({ cols, rows }) => send(encodeResize(cols, rows)));
      const observer = new ResizeObserver(() => fit.fit());
      observer.observe(host.current);

      const connect = () => {
        if (disposed) return;
        clearInterval(countdown);
        setStatus(attempt === 0 ? 'connecting' : 'reconnecting');
        const url = new URL(socketPath, window.location.href);
        url.protocol = url.protocol === 'https:' ? 'wss:' : 'ws:';
        if (received !== undefined) url.searchParams.set('offset', String(received));
        url.searchParams.set('cols', String(term.cols));
        url.searchParams.set('rows', String(term.rows));
        const ws = new WebSocket(url, TERMINAL_SUBPROTOCOL);
        ws.binaryType = 'arraybuffer';
        socket = ws;
        ws.onopen = () => {
          attempt = 0;
          setStatus('open');
          setMessage('');
        };
        ws.onmessage = (event: MessageEvent<ArrayBuffer>) => {
          const frame = decodeServerFrame(new Uint8Array(event.data));
          if (!frame) return;
          switch (frame.type) {
            case 'output': {
              const end = frame.offset + frame.data.length;
              received = end;
              term.write(frame.data, () => {
                offset = end;
                ack();
              });
              return;
            }
            case 'snapshot':
              received = frame.offset;
              acked = 0;
              term.reset();
              term.resize(frame.cols, frame.rows);
              term.write(frame.text, () => {
                offset = frame.offset;
                ack(true);
              });
              return;
            case 'size':
              if (frame.cols !== term.cols || frame.rows !== term.rows) {
                term.resize(frame.cols, frame.rows);
              }
              return;
            case 'control':
              if (frame.control.type === 'attached') {
                writable = frame.control.readOnly !== true;
                setReadOnly(!writable);
                term.options.disableStdin = !writable;
                ack(true);
              }
              return;
            case 'exit':
              final = true;
              setStatus('exited');
              setMessage(
                `The session ended (${frame.exit.reason}${frame.exit.code !== undefined ? `, exit code ${frame.exit.code}` : ''}).`,
              );
              return;
            case 'error':
              setMessage(frame.error.message);
              return;
            default:
              return;
          }
        };
        ws.onclose = (event) => {
          if (socket !== ws || disposed) return;
          socket = undefined;
          if (final || FINAL.has(event.code)) {
            final = true;
            setStatus(event.code === CLOSE.sessionEnded ? 'exited' : 'closed');
            if (event.reason) setMessage(event.reason);
            return;
          }
          const delay = Math.min(15_000, 500 * 2 ** attempt);
          attempt++;
          setStatus('reconnecting');
          setMessage(event.reason || 'The connection was lost.');
          let left = Math.ceil(delay / 1000);
          setRetryIn(left);
          countdown = setInterval(() => setRetryIn(--left > 0 ? left : 0), 1000);
          timer = setTimeout(connect, delay);
        };
      };
      retryNow.current = () => {
        clearTimeout(timer);
        clearInterval(countdown);
        connect();
      };
      connect();

      cleanup = () => {
        clearTimeout(timer);
        clearInterval(countdown);
        dark.removeEventListener('change', onTheme);
        themeChoice.disconnect();
        observer.disconnect();
        input.dispose();
        binary.dispose();
        resized.dispose();
        const ws = socket;
        socket = undefined;
        ws?.close(1000, 'Closed by the page.');
        term.dispose();
      };
    })();
    return () => {
      disposed = true;
      cleanup();
    };
  }, [sessionId, socketPath]);

  return (
    <div className="terminal" data-testid="terminal" data-status={status} data-session={sessionId}>
      <div className="terminal-bar">
        <span className={`chip terminal-${status}`} role="status">
          {status === 'open' ? (readOnly ? 'Connected (read-only)' : 'Connected') : status}
        </span>
        {searching && (
          <input
            type="search"
            aria-label="Search the terminal"
            placeholder="Search…"
            autoFocus
            onKeyDown={(event) => {
              if (event.key === 'Enter') searchNext.current(event.currentTarget.value);
              if (event.key === 'Escape') setSearching(false);
            }}
          />
        )}
      </div>
      {(status === 'reconnecting' || status === 'closed' || status === 'exited') && (
        <div className="notice" role="alert" data-testid="terminal-banner">
          <span>
            {message}
            {status === 'reconnecting' && retryIn > 0 && ` Reconnecting in ${retryIn} s.`}
          </span>{' '}
          {status === 'reconnecting' && (
            <button type="button" onClick={() => retryNow.current()}>
              Retry now
            </button>
          )}
        </div>
      )}
      <div ref={host} className="terminal-screen" style={{ height: '24rem' }} />
    </div>
  );
}
