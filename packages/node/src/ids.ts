/** Random ids for records this node creates (`rq_…`, `acc_…`, `ses_…`): 128 bits, lowercase hex. */
import { randomBytes } from 'node:crypto';

export const hex32 = (): string => randomBytes(16).toString('hex');
