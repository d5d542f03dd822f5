/** Quotes one word for /bin/sh: as it is when it is safe, else in single quotes. */
export function shellWord(word: string): string {
  return /^[\w@%+=:,./-]+$/.test(word) ? word : `'${word.replace(/'/g, `'\\''`)}'`;
}

/** Quotes arguments so the command line can be pasted into a shell. */
export function shellQuote(args: string[]): string {
  return args.map(shellWord).join(' ');
}
