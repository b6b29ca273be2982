// madge ships no types; the part repository.test.ts calls.
declare module 'madge' {
  interface MadgeResult {
    /** Each cycle as the files on it. */
    circular(): string[][];
  }
  // eslint-disable-next-line no-restricted-syntax -- madge's own export is its default
  export default function madge(paths: string[], config: object): Promise<MadgeResult>;
}
