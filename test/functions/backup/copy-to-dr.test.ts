import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { MAX_SINGLE_COPY_BYTES, partRanges } from '../../../functions/backup/copy-to-dr';

const MiB = 1024 ** 2;
const GiB = 1024 ** 3;

describe('multipart copy ranges', () => {
  it('cover the object exactly, in order, in at most 10,000 parts of 5 MiB to 5 GiB (the last may be smaller)', () => {
    // Prepare: objects from just over the 5 GiB CopyObject limit up to S3's 50 TB object maximum.
    fc.assert(
      fc.property(fc.integer({ min: MAX_SINGLE_COPY_BYTES + 1, max: 50 * 1000 ** 4 }), (size) => {
        // Act
        const ranges = partRanges(size);

        // Assess
        expect(ranges.length).toBeLessThanOrEqual(10_000);
        expect(ranges[0].first).toBe(0);
        expect(ranges.at(-1)?.last).toBe(size - 1);
        const misplaced = ranges.filter(({ first, last }, i) => {
          const bytes = last - first + 1;
          const tooSmall = i < ranges.length - 1 && bytes < 5 * MiB;
          return (i > 0 && first !== ranges[i - 1].last + 1) || bytes > 5 * GiB || tooSmall;
        });
        expect(misplaced).toEqual([]);
      }),
    );
  });
});
