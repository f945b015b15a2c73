/**
 * The results bucket (SSE-KMS with the stage key, TLS only, versioned, no public access, lifecycle
 * from context) and the bucket its server access logs go to. Access is granted per job folder under
 * the output prefix: `<prefix>/runs/`, `<prefix>/health/`, `<prefix>/extracts/`.
 */
import { Duration, type RemovalPolicy } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { Construct } from 'constructs';
import type { EncryptionKey } from './encryption-key.js';
import { acknowledge, nagArnToken } from './nag.js';

export interface ResultsBucketProps {
  readonly key: EncryptionKey;
  /** Output prefix, e.g. market-pulse (no slashes at either end). */
  readonly prefix: string;
  readonly removalPolicy: RemovalPolicy;
  /** Days after which results move to STANDARD_IA; 0 keeps them in STANDARD. */
  readonly transitionDays: number;
  /** Days after which results expire; 0 keeps them. */
  readonly expirationDays: number;
  readonly noncurrentVersionExpirationDays: number;
  readonly accessLogExpirationDays: number;
}

export class ResultsBucket extends Construct {
  readonly bucket: s3.Bucket;
  readonly accessLogs: s3.Bucket;
  readonly prefix: string;
  private readonly key: EncryptionKey;

  constructor(scope: Construct, id: string, props: ResultsBucketProps) {
    super(scope, id);
    this.key = props.key;
    this.prefix = props.prefix;
    // S3 server access logs can only be delivered to a bucket encrypted with SSE-S3.
    this.accessLogs = new s3.Bucket(this, 'AccessLogs', {
      encryption: s3.BucketEncryption.S3_MANAGED,
      blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
      enforceSSL: true,
      objectOwnership: s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
      removalPolicy: props.removalPolicy,
      lifecycleRules: [
        {
          id: 'expire-logs',
          expiration: Duration.days(props.accessLogExpirationDays),
          abortIncompleteMultipartUploadAfter: Duration.days(1),
        },
      ],
    });
    this.bucket = new s3.Bucket(this, 'Bucket', {
      encryption: s3.BucketEncryption.KMS,
      encryptionKey: props.key.key,
      bucketKeyEnabled: true,
      blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
      enforceSSL: true,
      objectOwnership: s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
      versioned: true,
      serverAccessLogsBucket: this.accessLogs,
      serverAccessLogsPrefix: 'results-bucket/',
      removalPolicy: props.removalPolicy,
      lifecycleRules: [
        {
          id: 'results',
          prefix: `${props.prefix}/`,
          ...(props.transitionDays > 0
            ? { transitions: [{ storageClass: s3.StorageClass.INFREQUENT_ACCESS, transitionAfter: Duration.days(props.transitionDays) }] }
            : {}),
          ...(props.expirationDays > 0 ? { expiration: Duration.days(props.expirationDays) } : {}),
          // latest.json is overwritten by every run; its old versions only need to outlive a mistake.
          noncurrentVersionExpiration: Duration.days(props.noncurrentVersionExpirationDays),
          abortIncompleteMultipartUploadAfter: Duration.days(7),
        },
      ],
    });
  }

  /** `<prefix>/<folder>` */
  folder(folder: string): string {
    return `${this.prefix}/${folder}`;
  }

  /**
   * Lets the roles write and read back objects under `<prefix>/<folder>/` and nothing else: PutObject
   * (multipart uploads too), AbortMultipartUpload (a failed upload's parts go at once, not after the
   * lifecycle rule's 7 days) and GetObject (HeadObject) on that folder, and ListBucket only for listings of that folder. The
   * prefix condition is exact (no IfExists): when S3 decides whether a GET of a missing key is 404 or
   * 403 it checks ListBucket without a prefix, so these roles get 403 there (docs/deploy.md "What
   * each role may do"); the alternative would let every role list the whole bucket.
   */
  grantFolder(roles: readonly iam.IRole[], folder: string, sid: string): void {
    const path = this.folder(folder);
    const objects = [this.bucket.arnForObjects(`${path}/*`)];
    const listing = this.listingOf(path);
    const write = ['s3:PutObject', 's3:GetObject', 's3:AbortMultipartUpload'];
    for (const role of roles) {
      role.addToPrincipalPolicy(new iam.PolicyStatement({ sid: `Write${sid}`, actions: write, resources: objects }));
      role.addToPrincipalPolicy(
        new iam.PolicyStatement({ sid: `List${sid}`, actions: ['s3:ListBucket'], resources: [this.bucket.bucketArn], conditions: listing }),
      );
      acknowledge(
        role,
        `AwsSolutions-IAM5[Resource::${nagArnToken(this.bucket)}/${path}/*]`,
        `The job writes objects whose keys it makes at run time (dates, run ids) under its own folder ${path}/ of the results bucket; ` +
          'the wildcard is that folder and nothing wider.',
      );
    }
  }

  /**
   * Lets principals outside the stack (readers named by context) read `<prefix>/<folder>/`: GetObject
   * there and ListBucket for listings of it, in the bucket policy, so their roles need no change in
   * this account. They decrypt through the key policy ({@link EncryptionKey.allowPrincipals}).
   */
  grantReadToPrincipals(arns: readonly string[], folder: string, sid: string): void {
    const path = this.folder(folder);
    const principals = arns.map((arn) => new iam.ArnPrincipal(arn));
    const objects = [this.bucket.arnForObjects(`${path}/*`)];
    this.bucket.addToResourcePolicy(
      new iam.PolicyStatement({ sid: `Get${sid}`, principals, actions: ['s3:GetObject'], resources: objects }),
    );
    this.bucket.addToResourcePolicy(
      new iam.PolicyStatement({
        sid: `List${sid}`,
        principals,
        actions: ['s3:ListBucket'],
        resources: [this.bucket.bucketArn],
        conditions: this.listingOf(path),
      }),
    );
  }

  /** ListBucket only when the listing's prefix lies in `path/`. */
  private listingOf(path: string): Record<string, Record<string, unknown>> {
    return { StringLike: { 's3:prefix': [`${path}/*`] } };
  }

  /**
   * Lets the role read what was uploaded under `<prefix>/<folder>/`, any version of it (GetObject,
   * GetObjectVersion), and list that folder with its versions (ListBucket, ListBucketVersions only
   * for listings inside it): no write, and nothing outside the folder.
   */
  grantFolderRead(role: iam.IRole, folder: string, sid: string): void {
    const path = this.folder(folder);
    role.addToPrincipalPolicy(
      new iam.PolicyStatement({
        sid: `Read${sid}`,
        actions: ['s3:GetObject', 's3:GetObjectVersion'],
        resources: [this.bucket.arnForObjects(`${path}/*`)],
      }),
    );
    role.addToPrincipalPolicy(
      new iam.PolicyStatement({
        sid: `List${sid}`,
        actions: ['s3:ListBucket', 's3:ListBucketVersions'],
        resources: [this.bucket.bucketArn],
        conditions: this.listingOf(path),
      }),
    );
    acknowledge(
      role,
      `AwsSolutions-IAM5[Resource::${nagArnToken(this.bucket)}/${path}/*]`,
      `The job reads files people upload under ${path}/ with names it cannot know in advance; the wildcard is that folder and nothing wider.`,
    );
  }

  /** SSE-KMS for the roles' objects: GenerateDataKey (PutObject) and Decrypt (GetObject), via S3, for this bucket. */
  grantEncryption(roles: readonly iam.IRole[]): void {
    this.key.allow(roles, {
      sid: 'ResultsBucketDataKeysViaS3',
      actions: ['kms:GenerateDataKey', 'kms:Decrypt'],
      viaService: 's3',
      // With an S3 Bucket Key the encryption context is the bucket's ARN; without one, the object's.
      roleConditions: {
        StringLike: { 'kms:EncryptionContext:aws:s3:arn': [this.bucket.bucketArn, `${this.bucket.bucketArn}/${this.prefix}/*`] },
      },
    });
  }

  /** Read access to the config document (`s3:GetObject` on that one object), in this bucket or another. */
  static grantConfigRead(roles: readonly iam.IRole[], objectArn: string): void {
    for (const role of roles) {
      role.addToPrincipalPolicy(new iam.PolicyStatement({ sid: 'ReadConfigDocument', actions: ['s3:GetObject'], resources: [objectArn] }));
    }
  }
}
