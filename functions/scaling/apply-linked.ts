import { parseInput } from '../shared/errors';
import { applyLinked, linkedChangeSchema } from './linked';

export const handler = async (event: unknown) => applyLinked(parseInput(linkedChangeSchema, event, 'linked change'));
