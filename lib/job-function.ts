/**
 * One Lambda function the way this stack runs them all: NodejsFunction (esbuild, ESM, source maps),
 * Node.js 22 on arm64, X-Ray active tracing, its own role that starts empty (no AWS managed
 * policies), and its own log group (lib/log-groups.ts). Callers add exactly the permissions the
 * function needs.
 */

import { dirname, join, relative } from 'node:path';
import type { Duration } from 'aws-cdk-lib';
import type * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { type ICommandHooks, NodejsFunction, OutputFormat } from 'aws-cdk-lib/aws-lambda-nodejs';
import type * as logs from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import { chunkSpecifier, REPO_ROOT } from './lambda-entries.js';
import { LAZY_PACKAGES, lazyPackageCommands } from './lazy-packages.js';
import { type LogGroupSettings, stageLogGroup } from './log-groups.js';
import { acknowledge } from './nag.js';

export const LAMBDA_RUNTIME = lambda.Runtime.NODEJS_22_X;
export const LAMBDA_ARCHITECTURE = lambda.Architecture.ARM_64;

/** Lambda creates and removes the function's network interfaces with its role; these actions take no narrower resource. */
export const VPC_ENI_ACTIONS = [
  'ec2:CreateNetworkInterface',
  'ec2:DescribeNetworkInterfaces',
  'ec2:DescribeSubnets',
  'ec2:DeleteNetworkInterface',
  'ec2:AssignPrivateIpAddresses',
  'ec2:UnassignPrivateIpAddresses',
];

export interface JobFunctionNetwork {
  readonly vpc: ec2.IVpc;
  readonly subnets: ec2.SubnetSelection;
  readonly securityGroups: ec2.ISecurityGroup[];
}

export interface JobFunctionProps {
  /** Absolute path of the handler file (it exports `handler`). */
  readonly entry: string;
  readonly description: string;
  readonly memorySize: number;
  readonly timeout: Duration;
  readonly environment?: Record<string, string>;
  readonly network?: JobFunctionNetwork;
  readonly logs: LogGroupSettings;
  readonly layers?: lambda.ILayerVersion[];
  /** Packages installed next to the bundle instead of bundled (oracledb in thick mode: it loads a native binary). */
  readonly nodeModules?: string[];
  /**
   * Modules the handler loads with a dynamic import only when a run needs them (repository paths of
   * `.mts` files under lambdas/, imported as `./<path below lambdas/pipeline/>.mjs`): each is left
   * out of index.mjs and bundled on its own beside it, so the code every invocation loads stays small.
   */
  readonly chunks?: readonly string[];
  readonly reservedConcurrentExecutions?: number;
  /** Asynchronous invocations: retries after a function error, and where a finally failed event goes. */
  readonly retryAttempts?: number;
  readonly maxEventAge?: Duration;
  readonly onFailure?: lambda.IDestination;
}

export class JobFunction extends Construct {
  readonly role: iam.Role;
  readonly logGroup: logs.LogGroup;
  readonly function: NodejsFunction;

  constructor(scope: Construct, id: string, props: JobFunctionProps) {
    super(scope, id);
    this.logGroup = stageLogGroup(this, 'Logs', props.logs);
    this.role = new iam.Role(this, 'Role', {
      assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'),
      description: props.description,
    });
    // Instead of AWSLambdaBasicExecutionRole (logs:* on every log group): write to this group only.
    this.role.addToPrincipalPolicy(
      new iam.PolicyStatement({
        sid: 'WriteOwnLogs',
        actions: ['logs:CreateLogStream', 'logs:PutLogEvents'],
        resources: [this.logGroup.logGroupArn],
      }),
    );
    if (props.network) {
      // Instead of AWSLambdaVPCAccessExecutionRole, which also grants logs:* on every log group.
      this.role.addToPrincipalPolicy(
        new iam.PolicyStatement({ sid: 'ManageVpcNetworkInterfaces', actions: VPC_ENI_ACTIONS, resources: ['*'] }),
      );
    }
    acknowledge(
      this.role,
      'AwsSolutions-IAM5[Resource::*]',
      'Active tracing: xray:PutTraceSegments/PutTelemetryRecords take no resource.' +
        (props.network
          ? ' Lambda manages the network interfaces of a function in a VPC with its execution role; ' +
            'ec2:DescribeNetworkInterfaces/DescribeSubnets take no resource, and the interfaces Lambda creates have ids ' +
            'not known in advance (the statement AWSLambdaVPCAccessExecutionRole carries, without its logs:* on every log group).'
          : ''),
    );

    this.function = new NodejsFunction(this, 'Function', {
      entry: props.entry,
      handler: 'handler',
      description: props.description,
      runtime: LAMBDA_RUNTIME,
      architecture: LAMBDA_ARCHITECTURE,
      memorySize: props.memorySize,
      timeout: props.timeout,
      role: this.role,
      logGroup: this.logGroup,
      // Lambda records each invocation (init, run, overhead) in X-Ray; the handlers add no tracer of their own.
      tracing: lambda.Tracing.ACTIVE,
      // Stack traces point into the TypeScript sources (sourceMap below).
      environment: { NODE_OPTIONS: '--enable-source-maps', ...props.environment },
      projectRoot: projectRootFor(props.entry),
      depsLockFilePath: join(REPO_ROOT, 'package-lock.json'),
      bundling: bundlingOptions(props.nodeModules ?? [], props.chunks ?? []),
      ...(props.network
        ? {
            vpc: props.network.vpc,
            vpcSubnets: props.network.subnets,
            securityGroups: props.network.securityGroups,
            allowPublicSubnet: false,
          }
        : {}),
      ...(props.layers ? { layers: props.layers } : {}),
      ...(props.reservedConcurrentExecutions !== undefined ? { reservedConcurrentExecutions: props.reservedConcurrentExecutions } : {}),
      ...(props.retryAttempts !== undefined ? { retryAttempts: props.retryAttempts } : {}),
      ...(props.maxEventAge ? { maxEventAge: props.maxEventAge } : {}),
      ...(props.onFailure ? { onFailure: props.onFailure } : {}),
    });
    acknowledge(
      this.function,
      'AwsSolutions-L1',
      'The runtime is Node.js 22 (nodejs22.x, the version the code is built and tested for); cdk-nag wants the newest ' +
        'Node.js runtime. Moving to a newer runtime is a deliberate, tested change.',
    );
  }
}

/**
 * esbuild settings every function shares. ESM with a `require` shim for the CommonJS packages inside
 * the bundle; the AWS SDK is bundled at the lock file's versions rather than taken from the runtime,
 * so features the code relies on (S3 conditional writes) do not depend on what the runtime ships.
 */
export function bundlingOptions(nodeModules: string[], chunks: readonly string[] = []) {
  return {
    ...afterBundling(chunks),
    format: OutputFormat.ESM,
    target: 'node22',
    mainFields: ['module', 'main'],
    banner: "import { createRequire } from 'module';const require = createRequire(import.meta.url);",
    minify: true,
    // Minifying renames classes; the product's errors spell their own names (lambdas/errors.ts), which
    // logs, alarms and the runbook key on. keepNames would cost ~63 kB of the 1.5 MB budget.
    keepNames: false,
    sourceMap: true,
    sourcesContent: false,
    // Loaded on demand: the lazy packages (lib/lazy-packages.ts) and the chunks are shipped beside the bundle.
    externalModules: [...LAZY_PACKAGES, ...chunks.map(chunkSpecifier)],
    // Asking for none still makes CDK look for a package.json beside the entry.
    ...(nodeModules.length > 0 ? { nodeModules } : {}),
    tsconfig: join(REPO_ROOT, 'tsconfig.json'),
  };
}

/**
 * NodejsFunction wants the entry under its project root. That is the repository for every real
 * handler; a handler elsewhere (a test's stand-in in a temporary directory) widens the root to the
 * closest common folder, which only matters to bundling.
 */
function projectRootFor(entry: string): string {
  let root = REPO_ROOT;
  while (relative(root, dirname(entry)).startsWith('..')) root = dirname(root);
  return root;
}

/**
 * After bundling: each chunk bundled with the same settings into the asset, at the path the
 * handler's import names, and the lazy packages the bundle imports shipped beside it.
 */
function afterBundling(chunks: readonly string[]): { commandHooks: ICommandHooks } {
  const esbuild = join(REPO_ROOT, 'node_modules', '.bin', 'esbuild');
  return {
    commandHooks: {
      beforeBundling: () => [],
      beforeInstall: () => [],
      afterBundling: (_inputDir: string, outputDir: string) => [
        ...chunks.map(
          (chunk) =>
            `"${esbuild}" "${join(REPO_ROOT, chunk)}" --bundle --minify --keep-names --format=esm --platform=node --target=node22 --log-level=warning ` +
            `--tsconfig="${join(REPO_ROOT, 'tsconfig.json')}" --outfile="${join(outputDir, chunkSpecifier(chunk))}"`,
        ),
        ...lazyPackageCommands(outputDir),
      ],
    },
  };
}
