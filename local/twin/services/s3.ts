import { randomUUID } from 'node:crypto';
import { Readable } from 'node:stream';
import { serviceError, TwinServiceError } from '../errors';
import type { AwsCore, TwinService } from '../aws-core';
import { type Input, optionalString, record, records, requireString } from '../util';

interface StoredObject {
  readonly body: string;
  /**
   * The object's size in bytes when it stands for more data than its body
   * holds (an RDB export of gigabytes is a few bytes of JSON here): size is
   * metadata, nothing is allocated. @default the body's length
   */
  readonly size?: number;
  readonly contentType?: string;
  /** When the object becomes visible (exports land after their copy time). */
  readonly visibleAt: number;
  readonly lastModified: number;
}

/** A bucket policy statement as the twin evaluates it (IAM's JSON grammar, strings or lists). */
interface PolicyStatement {
  readonly Effect?: unknown;
  readonly Principal?: unknown;
  readonly Action?: unknown;
  readonly Resource?: unknown;
  readonly Condition?: unknown;
}

interface Bucket {
  readonly region: string;
  readonly objects: Map<string, StoredObject>;
  policy?: { readonly Version?: string; readonly Statement: PolicyStatement[] };
}

/** A copied part of a multipart upload: which bytes of which object it holds. */
interface CopiedPart {
  readonly etag: string;
  readonly source: StoredObject;
  readonly first: number;
  readonly last: number;
}

interface MultipartUpload {
  readonly bucket: string;
  readonly key: string;
  readonly parts: Map<number, CopiedPart>;
}

const MiB = 1024 * 1024;
const GiB = 1024 * MiB;
/**
 * S3 API reference, CopyObject: "You create a copy of your object up to 5 GB in size in a single atomic action
 * using this API"; larger sources are refused with InvalidRequest "The specified copy source is larger than the
 * maximum allowable size for a copy source: 5368709120" (reported verbatim in rclone/rclone#2375 and
 * hashicorp/terraform-provider-aws#38102). UploadPartCopy answers the same for a part range over 5 GiB
 * (awslabs/amazon-s3-tar-tool#26).
 */
export const MAX_COPY_SOURCE_BYTES = 5 * GiB;
/** S3 User Guide, "Amazon S3 multipart upload limits" (qfacts.html): parts of 5 MiB to 5 GiB, the last may be smaller. */
const MIN_PART_BYTES = 5 * MiB;
/** The same page and the SDK's PartNumber doc: "a positive integer between 1 and 10,000". */
const MAX_PART_NUMBER = 10_000;

const copySourceTooLarge = () =>
  serviceError(
    's3',
    'InvalidRequest',
    `The specified copy source is larger than the maximum allowable size for a copy source: ${MAX_COPY_SOURCE_BYTES}`,
  );

/** Errors S3 returns that SDK v3 models no class for: they arrive as S3ServiceException with this name. */
const unmodeled = (code: string, message: string) => new TwinServiceError('s3', code, message, false);

/** `*` and `?` of IAM's ARN and action patterns. */
function globMatches(pattern: string, value: string, ignoreCase = false): boolean {
  const regex = pattern
    .replace(/[.+^${}()|[\]\\]/g, '\\$&')
    .replace(/\*/g, '.*')
    .replace(/\?/g, '.');
  return new RegExp(`^${regex}$`, ignoreCase ? 'i' : '').test(value);
}

const listOf = (value: unknown): string[] => (Array.isArray(value) ? value.map(String) : typeof value === 'string' ? [value] : []);

/** Whether a statement names this service principal (or everyone). */
function namesService(principal: unknown, service: string): boolean {
  if (principal === '*') return true;
  const services = record(principal)?.Service;
  return listOf(services).includes(service);
}

async function bodyText(body: unknown): Promise<string> {
  if (typeof body === 'string') return body;
  if (body instanceof Uint8Array) return Buffer.from(body).toString('utf8');
  if (body instanceof Readable) {
    const chunks: Buffer[] = [];
    for await (const chunk of body) chunks.push(Buffer.isBuffer(chunk) ? chunk : Buffer.from(String(chunk)));
    return Buffer.concat(chunks).toString('utf8');
  }
  return body === undefined ? '' : JSON.stringify(body);
}

/** A body shaped like the SDK's: a Readable with the transformTo* helpers handlers call. */
function streamingBody(text: string): Readable {
  const buffer = Buffer.from(text);
  return Object.assign(Readable.from([buffer]), {
    transformToString: async (encoding: BufferEncoding = 'utf8') => buffer.toString(encoding),
    transformToByteArray: async () => new Uint8Array(buffer),
  });
}

/** Amazon S3: buckets belong to a region and keep their policy; objects are text (reports, manifests, RDB stand-ins). */
export class S3Twin implements TwinService {
  readonly name = 's3' as const;
  readonly buckets = new Map<string, Bucket>();
  private readonly uploads = new Map<string, MultipartUpload>();
  readonly actions;

  constructor(private readonly core: AwsCore) {
    this.actions = {
      PutObject: (region: string, input: Input) => this.putObject(region, input),
      GetObject: (region: string, input: Input) => this.getObject(region, input),
      HeadObject: (region: string, input: Input) => this.headObject(region, input),
      CopyObject: (region: string, input: Input) => this.copyObject(region, input),
      DeleteObject: (region: string, input: Input) => this.deleteObject(region, input),
      ListObjectsV2: (region: string, input: Input) => this.listObjects(region, input),
      CreateMultipartUpload: (region: string, input: Input) => this.createMultipartUpload(region, input),
      UploadPartCopy: (region: string, input: Input) => this.uploadPartCopy(region, input),
      CompleteMultipartUpload: (region: string, input: Input) => this.completeMultipartUpload(region, input),
      AbortMultipartUpload: (region: string, input: Input) => this.abortMultipartUpload(region, input),
      PutBucketPolicy: (region: string, input: Input) => this.putBucketPolicy(region, input),
      GetBucketPolicy: (region: string, input: Input) => this.getBucketPolicy(region, input),
    };
  }

  /** A bucket as the deployment creates it, without a policy until one is attached ({@link attachPolicy}). */
  seedBucket(region: string, name: string): void {
    this.buckets.set(name, { region, objects: new Map(), policy: undefined });
  }

  /** The bucket's policy document, for IAM's evaluation of requests in it. */
  bucketPolicy(name: string): { readonly Version?: string; readonly Statement: readonly Record<string, unknown>[] } | undefined {
    // The stored object itself: a policy keeps its identity until replaced, which IAM's memo relies on.
    return this.buckets.get(name)?.policy as
      { readonly Version?: string; readonly Statement: readonly Record<string, unknown>[] } | undefined;
  }

  /** Replaces a bucket's policy with the one the deployment attached (the synthesized AWS::S3::BucketPolicy). */
  attachPolicy(name: string, policy: { readonly Statement: readonly object[] }): void {
    const bucket = this.buckets.get(name);
    if (bucket) bucket.policy = { Version: '2012-10-17', Statement: records(policy.Statement) };
  }

  bucketRegion(name: string): string | undefined {
    return this.buckets.get(name)?.region;
  }

  /**
   * Whether the bucket's policy lets an AWS service principal do `action` on
   * `resource` (the bucket's or an object's ARN): an Allow naming the
   * principal, the action and the resource, and no unconditional Deny.
   * Conditions are not evaluated but for CDK's TLS-only Deny
   * (`aws:SecureTransport` false), which a service's TLS request passes: an
   * Allow with any other condition does not count, a Deny with one applies
   * (the stricter reading where the twin cannot tell).
   */
  servicePrincipalMay(bucketName: string, service: string, action: string, resource: string): boolean {
    const statements = this.buckets.get(bucketName)?.policy?.Statement ?? [];
    const tlsOnly = (s: PolicyStatement) => JSON.stringify(s.Condition) === JSON.stringify({ Bool: { 'aws:SecureTransport': 'false' } });
    const applies = (s: PolicyStatement) =>
      (s.Condition === undefined || (s.Effect === 'Deny' && !tlsOnly(s))) &&
      namesService(s.Principal, service) &&
      listOf(s.Action).some((a) => globMatches(a, action, true)) &&
      listOf(s.Resource).some((r) => globMatches(r, resource));
    if (statements.some((s) => s.Effect === 'Deny' && applies(s))) return false;
    return statements.some((s) => s.Effect === 'Allow' && applies(s));
  }

  private bucket(name: string): Bucket {
    const bucket = this.buckets.get(name);
    if (!bucket) throw serviceError('s3', 'NoSuchBucket', 'The specified bucket does not exist');
    // A bucket's data lives in its region: unreachable while that region is down.
    if (this.core.regionDown(bucket.region))
      throw serviceError('s3', 'NoSuchBucket', `The bucket's region ${bucket.region} is unreachable (simulated region outage)`);
    return bucket;
  }

  private object(bucketName: string, key: string): StoredObject {
    const found = this.visible(bucketName, key);
    if (!found) throw serviceError('s3', 'NoSuchKey', 'The specified key does not exist.');
    return found;
  }

  private visible(bucketName: string, key: string): StoredObject | undefined {
    const found = this.bucket(bucketName).objects.get(key);
    return found && found.visibleAt <= this.core.clock.now() ? found : undefined;
  }

  /** Writes an object as AWS itself would (an export): visible from `visibleAt`, of `size` bytes when it stands for more than its body. */
  putInternal(bucket: string, key: string, body: string, visibleAt = this.core.clock.now(), size?: number): void {
    this.bucket(bucket).objects.set(key, { body, size, visibleAt, lastModified: visibleAt });
  }

  getInternal(bucket: string, key: string): string | undefined {
    const found = this.buckets.get(bucket)?.objects.get(key);
    return found && found.visibleAt <= this.core.clock.now() ? found.body : undefined;
  }

  /** Whether an object is there (visible or still being written). */
  hasObject(bucket: string, key: string): boolean {
    return this.buckets.get(bucket)?.objects.has(key) ?? false;
  }

  /** The stored size of a visible object. */
  sizeOf(bucket: string, key: string): number | undefined {
    const found = this.buckets.get(bucket)?.objects.get(key);
    return found && found.visibleAt <= this.core.clock.now() ? sizeOf(found) : undefined;
  }

  async putObject(region: string, input: Input): Promise<object> {
    const bucketName = requireString('s3', input, 'Bucket');
    const key = requireString('s3', input, 'Key');
    const bucket = this.bucket(bucketName);
    const now = this.core.clock.now();
    bucket.objects.set(key, {
      body: await bodyText(input.Body),
      contentType: optionalString(input, 'ContentType'),
      visibleAt: now,
      lastModified: now,
    });
    this.core.mutate(region, 's3', 'PutObject', 'create', `arn:aws:s3:::${bucketName}/${key}`);
    return { ETag: etagOf(key) };
  }

  async getObject(_region: string, input: Input): Promise<object> {
    const found = this.object(requireString('s3', input, 'Bucket'), requireString('s3', input, 'Key'));
    return {
      Body: streamingBody(found.body),
      ContentType: found.contentType,
      ContentLength: sizeOf(found),
      LastModified: new Date(found.lastModified),
    };
  }

  /**
   * HEAD has no response body, so a missing key is the status alone: SDK v3
   * raises `NotFound` (HeadObjectCommand's only modeled error), not NoSuchKey.
   */
  async headObject(_region: string, input: Input): Promise<object> {
    const found = this.visible(requireString('s3', input, 'Bucket'), requireString('s3', input, 'Key'));
    if (!found) throw serviceError('s3', 'NotFound', 'Not Found');
    return { ContentLength: sizeOf(found), LastModified: new Date(found.lastModified) };
  }

  async copyObject(region: string, input: Input): Promise<object> {
    const target = requireString('s3', input, 'Bucket');
    const key = requireString('s3', input, 'Key');
    const source = this.copySource(input);
    if (sizeOf(source) > MAX_COPY_SOURCE_BYTES) throw copySourceTooLarge();
    const now = this.core.clock.now();
    this.bucket(target).objects.set(key, { ...source, visibleAt: now, lastModified: now });
    this.core.mutate(region, 's3', 'CopyObject', 'create', `arn:aws:s3:::${target}/${key}`);
    return { CopyObjectResult: { LastModified: new Date(now), ETag: etagOf(key) } };
  }

  private copySource(input: Input): StoredObject {
    const [sourceBucket, ...sourceKey] = requireString('s3', input, 'CopySource').replace(/^\//, '').split('/');
    return this.object(decodeURIComponent(sourceBucket), decodeURIComponent(sourceKey.join('/')));
  }

  async deleteObject(region: string, input: Input): Promise<object> {
    const bucketName = requireString('s3', input, 'Bucket');
    const key = requireString('s3', input, 'Key');
    if (this.bucket(bucketName).objects.delete(key))
      this.core.mutate(region, 's3', 'DeleteObject', 'delete', `arn:aws:s3:::${bucketName}/${key}`);
    return {};
  }

  async listObjects(_region: string, input: Input): Promise<object> {
    const bucket = this.bucket(requireString('s3', input, 'Bucket'));
    const prefix = optionalString(input, 'Prefix') ?? '';
    const now = this.core.clock.now();
    const contents = [...bucket.objects]
      .filter(([k, o]) => k.startsWith(prefix) && o.visibleAt <= now)
      .map(([Key, o]) => ({ Key, Size: sizeOf(o), LastModified: new Date(o.lastModified) }));
    return { Contents: contents, KeyCount: contents.length, IsTruncated: false };
  }

  async createMultipartUpload(_region: string, input: Input): Promise<object> {
    const bucket = requireString('s3', input, 'Bucket');
    const key = requireString('s3', input, 'Key');
    this.bucket(bucket);
    const uploadId = randomUUID().replace(/-/g, '');
    this.uploads.set(uploadId, { bucket, key, parts: new Map() });
    return { Bucket: bucket, Key: key, UploadId: uploadId };
  }

  /** The upload `UploadId` names, for this bucket and key; NoSuchUpload once aborted or completed (UploadPartCopy's special errors). */
  private upload(input: Input): MultipartUpload {
    const upload = this.uploads.get(requireString('s3', input, 'UploadId'));
    if (!upload || upload.bucket !== input.Bucket || upload.key !== input.Key) {
      throw serviceError(
        's3',
        'NoSuchUpload',
        'The specified upload does not exist. The upload ID may be invalid, or the upload may have been aborted or completed.',
      );
    }
    return upload;
  }

  /**
   * One part copied from a byte range of an object (`bytes=first-last`, zero
   * based, inclusive), or the whole object without a range. The messages of
   * a malformed or out-of-bounds range are S3's as reported in
   * versity/versitygw#1122 and #610 (InvalidArgument); a part number outside
   * 1–10,000 is InvalidArgument as S3 emulators reproduce it (moto, LocalStack).
   */
  async uploadPartCopy(_region: string, input: Input): Promise<object> {
    const upload = this.upload(input);
    const partNumber = input.PartNumber;
    if (typeof partNumber !== 'number' || !Number.isInteger(partNumber) || partNumber < 1 || partNumber > MAX_PART_NUMBER)
      throw unmodeled('InvalidArgument', 'Part number must be an integer between 1 and 10000, inclusive');
    const source = this.copySource(input);
    const size = sizeOf(source);
    const range = optionalString(input, 'CopySourceRange');
    let first = 0;
    let last = size - 1;
    if (range !== undefined) {
      const parsed = /^bytes=(\d+)-(\d+)$/.exec(range);
      if (!parsed) {
        throw unmodeled(
          'InvalidArgument',
          'The x-amz-copy-source-range value must be of the form bytes=first-last where first and last are the zero-based ' +
            'offsets of the first and last bytes to copy',
        );
      }
      [first, last] = [Number(parsed[1]), Number(parsed[2])];
      if (first > last || last >= size)
        throw unmodeled('InvalidArgument', `Range specified is not valid for source object of size: ${size}`);
    }
    if (last - first + 1 > MAX_COPY_SOURCE_BYTES) throw copySourceTooLarge();
    const etag = `"${randomUUID().replace(/-/g, '')}"`;
    upload.parts.set(partNumber, { etag, source, first, last });
    return { CopyPartResult: { ETag: etag, LastModified: new Date(this.core.clock.now()) } };
  }

  /**
   * Concatenates the listed parts. Refusals as the CompleteMultipartUpload
   * reference lists them: InvalidPartOrder, InvalidPart (unknown part or
   * ETag), EntityTooSmall (a part under 5 MiB that is not the last).
   */
  async completeMultipartUpload(region: string, input: Input): Promise<object> {
    const upload = this.upload(input);
    const listed = records(record(input.MultipartUpload)?.Parts);
    if (!listed.length)
      throw unmodeled('MalformedXML', 'The XML you provided was not well-formed or did not validate against our published schema');
    const numbers = listed.map((p) => Number(p.PartNumber));
    if (numbers.some((n, i) => i > 0 && n <= numbers[i - 1]))
      throw unmodeled(
        'InvalidPartOrder',
        'The list of parts was not in ascending order. The parts list must be specified in order by part number.',
      );
    const parts = listed.map((p) => {
      const part = upload.parts.get(Number(p.PartNumber));
      if (!part || part.etag !== p.ETag) {
        throw unmodeled(
          'InvalidPart',
          'One or more of the specified parts could not be found. The part may not have been uploaded, or the specified entity ' +
            "tag may not match the part's entity tag.",
        );
      }
      return part;
    });
    if (parts.slice(0, -1).some((p) => p.last - p.first + 1 < MIN_PART_BYTES))
      throw unmodeled('EntityTooSmall', 'Your proposed upload is smaller than the minimum allowed object size.');
    const whole = wholeObjectOf(parts);
    const now = this.core.clock.now();
    this.bucket(upload.bucket).objects.set(upload.key, { ...whole, visibleAt: now, lastModified: now });
    this.uploads.delete(requireString('s3', input, 'UploadId'));
    this.core.mutate(region, 's3', 'CompleteMultipartUpload', 'create', `arn:aws:s3:::${upload.bucket}/${upload.key}`);
    return { Bucket: upload.bucket, Key: upload.key, ETag: `"${randomUUID().replace(/-/g, '')}-${parts.length}"` };
  }

  async abortMultipartUpload(_region: string, input: Input): Promise<object> {
    this.upload(input);
    this.uploads.delete(requireString('s3', input, 'UploadId'));
    return {};
  }

  /** Multipart uploads started and neither completed nor aborted (they keep costing storage in AWS). */
  openUploads(): { bucket: string; key: string; parts: number }[] {
    return [...this.uploads.values()].map((u) => ({ bucket: u.bucket, key: u.key, parts: u.parts.size }));
  }

  async putBucketPolicy(region: string, input: Input): Promise<object> {
    const name = requireString('s3', input, 'Bucket');
    const bucket = this.bucket(name);
    const parsed: unknown = JSON.parse(requireString('s3', input, 'Policy'));
    bucket.policy = { Version: '2012-10-17', Statement: records(record(parsed)?.Statement) };
    this.core.mutate(region, 's3', 'PutBucketPolicy', 'modify', `arn:aws:s3:::${name}`);
    return {};
  }

  async getBucketPolicy(_region: string, input: Input): Promise<object> {
    const bucket = this.bucket(requireString('s3', input, 'Bucket'));
    if (!bucket.policy) throw unmodeled('NoSuchBucketPolicy', 'The bucket policy does not exist');
    return { Policy: JSON.stringify(bucket.policy) };
  }
}

function sizeOf(object: StoredObject): number {
  return object.size ?? Buffer.byteLength(object.body);
}

function etagOf(key: string): string {
  return `"${Buffer.from(key).toString('hex').slice(0, 32)}"`;
}

/**
 * The object a completed multipart copy makes. The twin's objects are
 * stand-ins, so it models the one use there is: parts that together copy
 * one whole object, in order, without gaps.
 */
function wholeObjectOf(parts: readonly CopiedPart[]): StoredObject {
  const [{ source }] = parts;
  const contiguous = parts.every((p, i) => p.source === source && p.first === (i === 0 ? 0 : parts[i - 1].last + 1));
  if (!contiguous || parts[parts.length - 1].last !== sizeOf(source) - 1)
    throw new Error('The twin models multipart copies of one whole object only (its objects are stand-ins, not bytes)');
  return source;
}
