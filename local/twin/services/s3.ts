import { Readable } from 'node:stream';
import { serviceError } from '../errors';
import type { AwsCore, TwinService } from '../aws-core';
import { type Input, optionalString, requireString } from '../util';

interface StoredObject {
  readonly body: string;
  readonly contentType?: string;
  /** When the object becomes visible (exports land after their copy time). */
  readonly visibleAt: number;
  readonly lastModified: number;
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

/** Amazon S3: buckets belong to a region; objects are text (reports, manifests, RDB stand-ins). */
export class S3Twin implements TwinService {
  readonly name = 's3' as const;
  readonly buckets = new Map<string, { region: string; objects: Map<string, StoredObject> }>();
  readonly actions;

  constructor(private readonly core: AwsCore) {
    this.actions = {
      PutObject: (region: string, input: Input) => this.putObject(region, input),
      GetObject: (region: string, input: Input) => this.getObject(region, input),
      HeadObject: (region: string, input: Input) => this.headObject(region, input),
      CopyObject: (region: string, input: Input) => this.copyObject(region, input),
      DeleteObject: (region: string, input: Input) => this.deleteObject(region, input),
      ListObjectsV2: (region: string, input: Input) => this.listObjects(region, input),
    };
  }

  seedBucket(region: string, name: string): void {
    this.buckets.set(name, { region, objects: new Map() });
  }

  bucketRegion(name: string): string | undefined {
    return this.buckets.get(name)?.region;
  }

  private bucket(name: string): { region: string; objects: Map<string, StoredObject> } {
    const bucket = this.buckets.get(name);
    if (!bucket) throw serviceError('s3', 'NoSuchBucket', 'The specified bucket does not exist');
    // A bucket's data lives in its region: unreachable while that region is down.
    if (this.core.regionDown(bucket.region))
      throw serviceError('s3', 'NoSuchBucket', `The bucket's region ${bucket.region} is unreachable (simulated region outage)`);
    return bucket;
  }

  private object(bucketName: string, key: string): StoredObject {
    const found = this.bucket(bucketName).objects.get(key);
    if (!found || found.visibleAt > this.core.clock.now()) throw serviceError('s3', 'NoSuchKey', 'The specified key does not exist.');
    return found;
  }

  putInternal(bucket: string, key: string, body: string, visibleAt = this.core.clock.now()): void {
    this.bucket(bucket).objects.set(key, { body, visibleAt, lastModified: visibleAt });
  }

  getInternal(bucket: string, key: string): string | undefined {
    const found = this.buckets.get(bucket)?.objects.get(key);
    return found && found.visibleAt <= this.core.clock.now() ? found.body : undefined;
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
    return { ETag: `"${Buffer.from(key).toString('hex').slice(0, 32)}"` };
  }

  async getObject(_region: string, input: Input): Promise<object> {
    const found = this.object(requireString('s3', input, 'Bucket'), requireString('s3', input, 'Key'));
    return {
      Body: streamingBody(found.body),
      ContentType: found.contentType,
      ContentLength: Buffer.byteLength(found.body),
      LastModified: new Date(found.lastModified),
    };
  }

  async headObject(_region: string, input: Input): Promise<object> {
    const found = this.object(requireString('s3', input, 'Bucket'), requireString('s3', input, 'Key'));
    return { ContentLength: Buffer.byteLength(found.body), LastModified: new Date(found.lastModified) };
  }

  async copyObject(region: string, input: Input): Promise<object> {
    const target = requireString('s3', input, 'Bucket');
    const key = requireString('s3', input, 'Key');
    const [sourceBucket, ...sourceKey] = requireString('s3', input, 'CopySource').replace(/^\//, '').split('/');
    const source = this.object(decodeURIComponent(sourceBucket), decodeURIComponent(sourceKey.join('/')));
    const now = this.core.clock.now();
    this.bucket(target).objects.set(key, { ...source, visibleAt: now, lastModified: now });
    this.core.mutate(region, 's3', 'CopyObject', 'create', `arn:aws:s3:::${target}/${key}`);
    return { CopyObjectResult: { LastModified: new Date(now) } };
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
      .map(([Key, o]) => ({ Key, Size: Buffer.byteLength(o.body), LastModified: new Date(o.lastModified) }));
    return { Contents: contents, KeyCount: contents.length, IsTruncated: false };
  }
}
