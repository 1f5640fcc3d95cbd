import { parseInput } from '../shared/errors';
import { linkedChangeSchema, linkedStatus } from './linked';

export const handler = async (event: unknown) => linkedStatus(parseInput(linkedChangeSchema, event, 'linked change'));
