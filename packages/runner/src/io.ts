/** Where a command writes: its lines of output and of errors. */
export interface Io {
  out: (line: string) => void;
  err: (line: string) => void;
  /** Output goes to a terminal: draw a live progress bar instead of plain lines. */
  tty?: boolean;
}
