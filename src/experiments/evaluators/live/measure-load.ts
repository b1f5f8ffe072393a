import { setTimeout as sleep } from 'node:timers/promises';
import type { GpuSample } from '../nvidia-smi.js';
import { probeGpu } from './gpu-probe.js';
import { loadMetrics } from './load.js';
import { chatLoad, transcriptionLoad } from './openai-load.js';
import type { Session } from './session.js';

/** Run both loads together while probing the GPU every `sampleIntervalMs`. */
export async function measureLoad(
  session: Session,
  samples: GpuSample[],
): Promise<Record<string, number>> {
  const { settings, audio, deadline } = session;
  const finished = new AbortController();
  const sampler = (async () => {
    const interval = settings.nvidiaSmi?.sampleIntervalMs ?? 0;
    if (!settings.nvidiaSmi) return;
    for (;;) {
      try {
        await sleep(interval, undefined, {
          signal: AbortSignal.any([finished.signal, deadline.signal]),
        });
      } catch {
        return;
      }
      const sample = await probeGpu(session, 'load');
      if (sample) samples.push(sample);
    }
  })();
  const [chat, transcription] = await Promise.all([
    settings.chat ? chatLoad(settings.chat, deadline.signal) : null,
    settings.transcription && audio
      ? transcriptionLoad(settings.transcription, audio, deadline.signal)
      : null,
  ]);
  finished.abort();
  await sampler;
  const metrics: Record<string, number> = {};
  for (const [prefix, load] of [
    ['chat', chat],
    ['transcription', transcription],
  ] as const) {
    if (!load) continue;
    Object.assign(metrics, loadMetrics(prefix, load));
    session.journal.note(
      `${prefix}: ${load.latenciesMs.length} answered, ${load.errors} failed` +
        (load.firstError ? ` (first failure: ${load.firstError})` : '') +
        ` in ${(load.wallMs / 1000).toFixed(2)} s`,
    );
  }
  return metrics;
}
