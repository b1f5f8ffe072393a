import type { LlmProblem } from './model.js';
import type { Placement } from './model.js';

/** One batch size's answer: its frontier and the cheapest point per token. */
export interface BatchAnswer {
  batchSize: number;
  best: Placement | null;
  frontier: Placement[];
}

const SUMMARY_HEADER =
  'batch_size,budget_tested,throughput_tokens_per_sec,cost_per_hour,cost_per_million_tokens,total_runtime_hours,total_cost,pipeline_stages,gpu_type,tp_degree,num_gpus,total_layers,is_best,status';

/**
 * The seed's `solution_summary.csv` rows for one batch (without header): one row per frontier
 * point, sorted by $ per token, `budget_tested` being the point's own $/h.
 */
export function summaryRows(problem: LlmProblem, answer: BatchAnswer): string[] {
  const tokens = problem.config.total_tokens_to_process;
  return [...answer.frontier]
    .sort((a, b) => a.usdPerMillionTokens - b.usdPerMillionTokens)
    .map((p) => {
      const runtimeHours = tokens / (p.throughputTokensPerSec * 3600);
      const gpus = p.stages.reduce((a, s) => a + s.tp, 0);
      const layers = p.stages.reduce((a, s) => a + s.endLayer - s.startLayer + 1, 0);
      return [
        answer.batchSize,
        p.usdPerHour.toFixed(2),
        p.throughputTokensPerSec.toFixed(2),
        p.usdPerHour.toFixed(2),
        p.usdPerMillionTokens.toFixed(6),
        runtimeHours.toFixed(2),
        (p.usdPerHour * runtimeHours).toFixed(2),
        p.stages.length,
        p.stages[0]!.gpuType,
        p.stages[0]!.tp,
        gpus,
        layers,
        p === answer.best ? 'YES' : 'NO',
        'SUCCESS',
      ].join(',');
    });
}

/** CSV text with the seed's CRLF line endings. */
export function csv(header: string, rows: string[]): string {
  return [header, ...rows].map((line) => `${line}\r\n`).join('');
}

export function summaryCsv(problem: LlmProblem, answer: BatchAnswer): string {
  return csv(SUMMARY_HEADER, summaryRows(problem, answer));
}

export function sweepCsv(problem: LlmProblem, answers: BatchAnswer[]): string {
  return csv(
    SUMMARY_HEADER,
    answers.flatMap((a) => summaryRows(problem, a)),
  );
}

export function frontierCsv(answers: BatchAnswer[]): string {
  return csv(
    'batch_size,throughput_tokens_per_sec,usd_per_hour,usd_per_million_tokens,is_best',
    answers.flatMap((a) =>
      a.frontier.map((p) =>
        [
          a.batchSize,
          p.throughputTokensPerSec.toFixed(2),
          p.usdPerHour.toFixed(4),
          p.usdPerMillionTokens.toFixed(6),
          p === a.best ? 'YES' : 'NO',
        ].join(','),
      ),
    ),
  );
}

/** `solution_with_tp.json` in the seed's layout for one batch's cheapest placement. */
export function solutionJson(problem: LlmProblem, answer: BatchAnswer): Record<string, unknown> {
  const c = problem.config;
  const p = answer.best;
  return {
    config: {
      model_name: c.model_name,
      num_decoder_layers: c.num_decoder_layers,
      sequence_length: c.sequence_length,
      min_batch_size: answer.batchSize,
      max_batch_size: answer.batchSize,
      optimal_batch_size: answer.batchSize,
      d_model: c.d_model,
      d_hidden: c.d_hidden,
      max_pipeline_stages: c.max_pipeline_stages,
      min_memory_utilization: c.min_memory_utilization,
    },
    solution: p && {
      batch_size: answer.batchSize,
      throughput_tokens_per_sec: p.throughputTokensPerSec,
      cost_per_hour: p.usdPerHour,
      cost_per_token: p.usdPerMillionTokens / 1e6,
      total_runtime_hours: c.total_tokens_to_process / (p.throughputTokensPerSec * 3600),
      num_pipeline_stages: p.stages.length,
      gpu_assignments: p.stages.map((s) => {
        const type = problem.types.find((t) => t.name === s.gpuType)!;
        return {
          gpu_type: s.gpuType,
          gpu_ids: s.gpuIds.map((id) => id - type.firstId),
          global_gpu_ids: s.gpuIds,
          tp_degree: s.tp,
          start_layer: s.startLayer,
          end_layer: s.endLayer,
          segment_size: s.endLayer - s.startLayer + 1,
        };
      }),
    },
  };
}

/**
 * Cost against throughput as an SVG scatter, one colour per batch size, the cheapest point per
 * token of each batch ringed.
 */
export function frontierSvg(answers: BatchAnswer[]): string {
  const [w, h, pad] = [640, 400, 56];
  const all = answers.flatMap((a) => a.frontier);
  const maxX = Math.max(1, ...all.map((p) => p.throughputTokensPerSec));
  const maxY = Math.max(1, ...all.map((p) => p.usdPerHour));
  const x = (v: number): number => pad + (v / maxX) * (w - 2 * pad);
  const y = (v: number): number => h - pad - (v / maxY) * (h - 2 * pad);
  const colours = [
    '#1f77b4',
    '#ff7f0e',
    '#2ca02c',
    '#d62728',
    '#9467bd',
    '#8c564b',
    '#e377c2',
    '#7f7f7f',
  ];
  const series = answers.map((a, k) => {
    const colour = colours[k % colours.length]!;
    const path = a.frontier
      .map(
        (p, i) =>
          `${i ? 'L' : 'M'}${x(p.throughputTokensPerSec).toFixed(1)},${y(p.usdPerHour).toFixed(1)}`,
      )
      .join(' ');
    const dots = a.frontier
      .map(
        (p) =>
          `<circle cx="${x(p.throughputTokensPerSec).toFixed(1)}" cy="${y(p.usdPerHour).toFixed(1)}" r="${p === a.best ? 6 : 3}" fill="${p === a.best ? 'none' : colour}" stroke="${colour}" stroke-width="2"/>`,
      )
      .join('');
    const legend = `<text x="${w - pad - 90}" y="${pad + 16 * k}" fill="${colour}" font-size="12">batch ${a.batchSize}</text>`;
    return `<path d="${path}" fill="none" stroke="${colour}"/>${dots}${legend}`;
  });
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" role="img" aria-label="cost against throughput, the frontier of each batch size" viewBox="0 0 ${w} ${h}" width="${w}" height="${h}" font-family="sans-serif">`,
    `<rect width="${w}" height="${h}" fill="white"/>`,
    `<line x1="${pad}" y1="${h - pad}" x2="${w - pad}" y2="${h - pad}" stroke="black"/>`,
    `<line x1="${pad}" y1="${pad}" x2="${pad}" y2="${h - pad}" stroke="black"/>`,
    `<text x="${w / 2}" y="${h - 16}" text-anchor="middle" font-size="13">throughput (tokens/s), max ${maxX.toFixed(0)}</text>`,
    `<text x="16" y="${h / 2}" text-anchor="middle" font-size="13" transform="rotate(-90 16 ${h / 2})">cost ($/h), max ${maxY.toFixed(2)}</text>`,
    ...series,
    '</svg>',
    '',
  ].join('\n');
}
