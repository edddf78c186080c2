const UNITS = new Map([
  ['', 1],
  ['b', 1],
  ['kib', 1024],
  ['mib', 1024 * 1024],
]);

export const BYTE_SIZE_FORMAT = 'a size in bytes, KiB or MiB, such as 1MiB, 512KiB or 1048576';

/** "1MiB", "512 KiB", "1048576" -> bytes; undefined when it is not such a size. */
export function parseByteSize(text: string): number | undefined {
  const match = /^(\d+(?:\.\d+)?)\s*([a-z]*)$/i.exec(text.trim());
  if (!match) return undefined;
  const unit = UNITS.get(match[2]!.toLowerCase());
  if (unit === undefined) return undefined;
  const bytes = Math.floor(Number(match[1]) * unit);
  return Number.isSafeInteger(bytes) ? bytes : undefined;
}

/** 6291456 -> "6 MiB", 1536 -> "1.5 KiB": as people read sizes. */
export function formatByteSize(bytes: number): string {
  const shown = (value: number, unit: string) => `${Number.isInteger(value) ? value : value.toFixed(1)} ${unit}`;
  if (bytes >= 1024 * 1024) return shown(bytes / (1024 * 1024), 'MiB');
  if (bytes >= 1024) return shown(bytes / 1024, 'KiB');
  return `${bytes} bytes`;
}
