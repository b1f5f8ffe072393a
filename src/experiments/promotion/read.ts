import { readJsonFile } from '../../core/io.js';
import { parseWith } from '../../core/schema.js';
import { promotionSchema, type Promotion } from './schema.js';

/** Read and validate a promotion file; a bad one is a UserError naming the file and field. */
export function readPromotionFile(path: string): Promotion {
  return parseWith(promotionSchema, readJsonFile(path), path);
}
