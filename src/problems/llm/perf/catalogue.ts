/**
 * Built-in GPU catalogue of the roofline model: memory, peak memory bandwidth, dense BF16 (FP16
 * where the GPU has no BF16) tensor throughput without sparsity, and the fastest GPU-to-GPU link,
 * each with where the figure comes from. Vendors state bandwidths in decimal GB/s (10⁹ bytes/s)
 * and links as the total of both directions. docs/llm-roofline.md lists the same table.
 */
export interface GpuSpec {
  name: string;
  /** Other names a pool may use; a name shared by several entries is settled by memory. */
  aliases: string[];
  memoryGb: number;
  memBwGbps: number;
  /** Dense tensor TFLOPS at 16-bit precision (vendors' "with sparsity" figures halved). */
  tflops: number;
  interconnect: string;
  /** Fastest GPU-to-GPU link, GB/s: no link of the bandwidth matrix is taken to be faster. */
  linkGbps: number;
  source: string;
}

const H100_SHEET =
  'NVIDIA H100 Tensor Core GPU datasheet, https://www.nvidia.com/en-us/data-center/h100/';
const A100_SHEET =
  'NVIDIA A100 Tensor Core GPU datasheet, https://www.nvidia.com/content/dam/en-zz/Solutions/Data-Center/a100/pdf/nvidia-a100-datasheet-us-nvidia-1758950-r4-web.pdf';

export const GPU_CATALOGUE: readonly GpuSpec[] = [
  {
    name: 'H200',
    aliases: ['H200 SXM'],
    memoryGb: 141,
    memBwGbps: 4800,
    tflops: 989,
    interconnect: 'NVLink 900 GB/s',
    linkGbps: 900,
    source: 'NVIDIA H200 Tensor Core GPU datasheet, https://www.nvidia.com/en-us/data-center/h200/',
  },
  {
    name: 'H100 SXM',
    aliases: ['H100', 'H100 SXM5'],
    memoryGb: 80,
    memBwGbps: 3350,
    tflops: 989,
    interconnect: 'NVLink 900 GB/s',
    linkGbps: 900,
    source: H100_SHEET,
  },
  {
    name: 'H100 PCIe',
    aliases: [],
    memoryGb: 80,
    memBwGbps: 2000,
    tflops: 756,
    interconnect: 'PCIe Gen5 128 GB/s (NVLink bridge 600 GB/s between pairs)',
    linkGbps: 600,
    source: H100_SHEET,
  },
  {
    name: 'H100 NVL',
    aliases: [],
    memoryGb: 94,
    memBwGbps: 3900,
    tflops: 835,
    interconnect: 'NVLink bridge 600 GB/s, PCIe Gen5 128 GB/s',
    linkGbps: 600,
    source: H100_SHEET,
  },
  {
    name: 'A100 80GB',
    aliases: ['A100', 'A100 SXM', 'A100 SXM4 80GB'],
    memoryGb: 80,
    memBwGbps: 2039,
    tflops: 312,
    interconnect: 'NVLink 600 GB/s',
    linkGbps: 600,
    source: A100_SHEET,
  },
  {
    name: 'A100 40GB',
    aliases: ['A100', 'A100 SXM', 'A100 SXM4 40GB'],
    memoryGb: 40,
    memBwGbps: 1555,
    tflops: 312,
    interconnect: 'NVLink 600 GB/s',
    linkGbps: 600,
    source: A100_SHEET,
  },
  {
    name: 'A100 80GB PCIe',
    aliases: [],
    memoryGb: 80,
    memBwGbps: 1935,
    tflops: 312,
    interconnect: 'PCIe Gen4 64 GB/s (NVLink bridge 600 GB/s between pairs)',
    linkGbps: 600,
    source: A100_SHEET,
  },
  {
    name: 'L40S',
    aliases: [],
    memoryGb: 48,
    memBwGbps: 864,
    tflops: 362,
    interconnect: 'PCIe Gen4 64 GB/s',
    linkGbps: 64,
    source: 'NVIDIA L40S datasheet, https://www.nvidia.com/en-us/data-center/l40s/',
  },
  {
    name: 'L40',
    aliases: [],
    memoryGb: 48,
    memBwGbps: 864,
    tflops: 181,
    interconnect: 'PCIe Gen4 64 GB/s',
    linkGbps: 64,
    source: 'NVIDIA L40 datasheet, https://www.nvidia.com/en-us/data-center/l40/',
  },
  {
    name: 'L4',
    aliases: [],
    memoryGb: 24,
    memBwGbps: 300,
    tflops: 121,
    interconnect: 'PCIe Gen4 64 GB/s',
    linkGbps: 64,
    source: 'NVIDIA L4 datasheet, https://www.nvidia.com/en-us/data-center/l4/',
  },
  {
    name: 'L20',
    aliases: [],
    memoryGb: 48,
    memBwGbps: 864,
    tflops: 119.5,
    interconnect: 'PCIe Gen4 64 GB/s',
    linkGbps: 64,
    source:
      'NVIDIA L20 product sheet (sold in China; not on nvidia.com/en-us); bandwidth as listed at https://www.topcpu.net/en/gpu-c/a40-pcie-vs-l20 (864 GB/s; the seed table has 480)',
  },
  {
    name: 'A10G',
    aliases: [],
    memoryGb: 24,
    memBwGbps: 600,
    tflops: 70,
    interconnect: 'PCIe Gen4 64 GB/s',
    linkGbps: 64,
    source:
      'No NVIDIA datasheet (an AWS-only part); Baseten, "NVIDIA A10 vs A10G for ML model inference", https://www.baseten.co/blog/nvidia-a10-vs-a10g-for-ml-model-inference/',
  },
  {
    name: 'A10',
    aliases: [],
    memoryGb: 24,
    memBwGbps: 600,
    tflops: 125,
    interconnect: 'PCIe Gen4 64 GB/s',
    linkGbps: 64,
    source: 'NVIDIA A10 datasheet, https://www.nvidia.com/en-us/data-center/products/a10-gpu/',
  },
  {
    name: 'A40',
    aliases: [],
    memoryGb: 48,
    memBwGbps: 696,
    tflops: 149.7,
    interconnect: 'NVLink bridge 112.5 GB/s between pairs, PCIe Gen4 64 GB/s',
    linkGbps: 112.5,
    source:
      'NVIDIA A40 datasheet, https://images.nvidia.com/content/Solutions/data-center/a40/nvidia-a40-datasheet.pdf',
  },
  {
    name: 'V100',
    aliases: ['V100 SXM2'],
    memoryGb: 32,
    memBwGbps: 900,
    tflops: 125,
    interconnect: 'NVLink 300 GB/s',
    linkGbps: 300,
    source:
      'NVIDIA V100 Tensor Core GPU datasheet (SXM2, 16 or 32 GB; FP16, no BF16), https://www.nvidia.com/en-us/data-center/v100/',
  },
  {
    name: 'T4',
    aliases: [],
    memoryGb: 16,
    memBwGbps: 320,
    tflops: 65,
    interconnect: 'PCIe Gen3 32 GB/s',
    linkGbps: 32,
    source:
      'NVIDIA T4 datasheet (FP16, no BF16), https://www.nvidia.com/en-us/data-center/tesla-t4/',
  },
  {
    name: 'RTX4090',
    aliases: ['RTX 4090', 'GeForce RTX 4090'],
    memoryGb: 24,
    memBwGbps: 1008,
    tflops: 165.2,
    interconnect: 'PCIe Gen4 64 GB/s, no NVLink',
    linkGbps: 64,
    source:
      'NVIDIA Ada Lovelace GPU architecture whitepaper, appendix (FP16/BF16 tensor with FP32 accumulate), https://images.nvidia.com/aem-dam/Solutions/geforce/ada/nvidia-ada-gpu-architecture.pdf',
  },
];

/** "A100-80GB", "a100 80gb" and "A100_80GB" name the same GPU. */
function normalise(name: string): string {
  return name.toUpperCase().replace(/[\s_-]+/g, '');
}

/**
 * The catalogue entry a pool's `gpu_type` names, with `memoryGb` settling a name several entries
 * share (A100 with 40 or 80 GB); or why there is none.
 */
export function findGpu(gpuType: string, memoryGb: number): GpuSpec | string {
  const wanted = normalise(gpuType);
  const named = GPU_CATALOGUE.filter((g) =>
    [g.name, ...g.aliases].some((n) => normalise(n) === wanted),
  );
  if (named.length === 1) return named[0]!;
  const sized = named.filter((g) => g.memoryGb === memoryGb);
  if (sized.length === 1) return sized[0]!;
  if (named.length > 1) {
    return `GPU type "${gpuType}" with ${memoryGb} GB is ambiguous; name one of ${named.map((g) => `"${g.name}"`).join(', ')}`;
  }
  return `unknown GPU type "${gpuType}"; known: ${GPU_CATALOGUE.map((g) => g.name).join(', ')}`;
}
