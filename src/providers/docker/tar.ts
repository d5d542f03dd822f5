export interface TarEntry {
  /** Path inside the archive, no leading slash; folders end with '/'. */
  name: string;
  mode: number;
  content?: string;
}

/** A minimal ustar archive (root-owned folders and files), for Docker's putArchive. */
export function tarOf(entries: TarEntry[]): Buffer {
  const blocks: Buffer[] = [];
  for (const entry of entries) {
    const body = Buffer.from(entry.content ?? '', 'utf8');
    blocks.push(tarHeader(entry, body.length));
    if (!entry.name.endsWith('/') && body.length) {
      blocks.push(body, Buffer.alloc((512 - (body.length % 512)) % 512));
    }
  }
  blocks.push(Buffer.alloc(1024));
  return Buffer.concat(blocks);
}

function tarHeader(entry: TarEntry, size: number): Buffer {
  const header = Buffer.alloc(512);
  const field = (offset: number, length: number, value: string) =>
    header.write(value, offset, length, 'utf8');
  const octal = (offset: number, length: number, value: number) =>
    field(offset, length, `${value.toString(8).padStart(length - 1, '0')}\0`);
  if (Buffer.byteLength(entry.name) > 100) throw new Error(`tar name too long: ${entry.name}`);
  field(0, 100, entry.name);
  octal(100, 8, entry.mode);
  octal(108, 8, 0);
  octal(116, 8, 0);
  octal(124, 12, entry.name.endsWith('/') ? 0 : size);
  octal(136, 12, Math.floor(Date.now() / 1000));
  field(148, 8, ' '.repeat(8));
  field(156, 1, entry.name.endsWith('/') ? '5' : '0');
  field(257, 8, 'ustar\u000000');
  let sum = 0;
  for (const byte of header) sum += byte;
  field(148, 8, `${sum.toString(8).padStart(6, '0')}\0 `);
  return header;
}
