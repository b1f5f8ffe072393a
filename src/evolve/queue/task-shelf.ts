import { createHash } from 'node:crypto';
import { Redis } from 'ioredis';
import { externalTaskContentSchema, type ExternalTaskContent } from '../tasks/external.js';
import type { QueueAddress } from './protocol.js';

/** How long a shipped task stays in Redis after a run last shipped it; then Redis drops it. */
const KEEP_TASK_SECONDS = 30 * 86_400;
/** How a job names a shipped task: the SHA-256 of its content. */
const SHIPPED_REF = /^sha256:([0-9a-f]{64})$/;

const sha256 = (text: string): string => createHash('sha256').update(text).digest('hex');

/** Does a job's task reference name a shipped task (rather than a built-in one)? */
export function isShippedTask(ref: string): boolean {
  return SHIPPED_REF.test(ref);
}

/**
 * External tasks kept in the queue's Redis, by the hash of their content, so that workers need
 * no copy of the task directory: the engine ships a task once per run (or resume), each job names
 * it by hash, a worker fetches it once and checks it against the hash. The connection opens on
 * first use.
 */
export class TaskShelf {
  private client: Redis | null = null;

  constructor(private readonly address: QueueAddress) {}

  private redis(): Redis {
    this.client ??= new Redis(this.address.url, { maxRetriesPerRequest: null });
    return this.client;
  }

  private key(hash: string): string {
    return `evoplace:${this.address.name}:task:${hash}`;
  }

  /** Store `content` (again: the expiry starts afresh); the reference jobs carry, `sha256:HEX`. */
  async ship(content: ExternalTaskContent): Promise<string> {
    const text = JSON.stringify(content);
    const hash = sha256(text);
    await this.redis().set(this.key(hash), text, 'EX', KEEP_TASK_SECONDS);
    return `sha256:${hash}`;
  }

  /** The content a reference names, checked against its hash and then its shape. */
  async fetch(ref: string): Promise<ExternalTaskContent> {
    const hash = SHIPPED_REF.exec(ref)?.[1];
    if (!hash) throw new Error(`"${ref}" is not a shipped task's reference`);
    const text = await this.redis().get(this.key(hash));
    if (text === null)
      throw new Error(
        `task ${ref} is not in queue "${this.address.name}" (expired or never shipped); ` +
          '"evolve resume --redis" ships it again',
      );
    if (sha256(text) !== hash) throw new Error(`task ${ref} does not match its hash`);
    const parsed = externalTaskContentSchema.safeParse(JSON.parse(text));
    if (!parsed.success) throw new Error(`task ${ref} is malformed: ${parsed.error.message}`);
    return parsed.data;
  }

  close(): void {
    this.client?.disconnect();
    this.client = null;
  }
}
