/**
 * The most memory one accelerator may be said to hold, in GB or GiB alike. The largest today hold
 * 288 GB (AMD MI355X, NVIDIA B300); 2 048 is seven times that, room for generations to come,
 * yet far below what the same amount typed in MB or MiB gives (80 GB is 81 920 MiB): a value above
 * it is a unit slip, not a device, and accepted it would silently change every answer.
 */
export const MAX_DEVICE_MEMORY_GB = 2048;

/**
 * Why `value`, an amount of one device's memory in `unit` (`GB` or `GiB`), is refused as more
 * than any device holds, with the reading it likely meant (`81920 GB is more than any GPU holds;
 * is it in MB? (81920 MB = 80 GB)`, where that reading is a device's memory); null when it is
 * within MAX_DEVICE_MEMORY_GB.
 */
export function deviceMemoryTooLarge(value: number, unit: 'GB' | 'GiB'): string | null {
  if (value <= MAX_DEVICE_MEMORY_GB) return null;
  const refusal = `${value} ${unit} is more than any GPU holds (at most ${MAX_DEVICE_MEMORY_GB} ${unit})`;
  // nvidia-smi's "MiB" is what such figures are copied from: 1 024 of them to the GB or GiB.
  const meant = value / 1024;
  if (meant > MAX_DEVICE_MEMORY_GB) return refusal;
  const small = unit === 'GB' ? 'MB' : 'MiB';
  return `${refusal}; is it in ${small}? (${value} ${small} = ${Number(meant.toPrecision(6))} ${unit})`;
}
