// The terminal socket's framing, for the control plane: one definition, shared with the browser
// (components/terminal/terminal-frames.ts, which may not import lib/server).
export * from '@/components/terminal/terminal-frames';
