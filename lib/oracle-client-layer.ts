/**
 * node-oracledb's client mode. Thin (the default) is pure JavaScript and needs nothing. Thick loads
 * Oracle Instant Client, which comes from a layer that layers/oracle-instant-client/build.sh builds
 * from a zip the operator downloads: the layer's lib/ is mounted at /opt/lib, already on
 * LD_LIBRARY_PATH, and the functions get ORACLE_CLIENT_MODE=thick. oracledb itself is then installed
 * next to the bundle rather than bundled, because thick mode loads its native binary.
 */
import { existsSync, statSync } from 'node:fs';
import { isAbsolute, join, relative } from 'node:path';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { Construct } from 'constructs';
import { SynthConfigError } from './context.js';
import { LAMBDA_ARCHITECTURE, LAMBDA_RUNTIME } from './job-function.js';
import { REPO_ROOT } from './lambda-entries.js';

export interface OracleClientSetup {
  readonly mode: 'thin' | 'thick';
  /** Added to every function that talks to Oracle. */
  readonly environment: Record<string, string>;
  readonly layers: lambda.ILayerVersion[];
  readonly nodeModules: string[];
}

export class OracleClientLayer extends Construct {
  readonly layer: lambda.LayerVersion;

  constructor(scope: Construct, id: string, props: { readonly zip: string; readonly stage: string }) {
    super(scope, id);
    this.layer = new lambda.LayerVersion(this, 'Layer', {
      code: lambda.Code.fromAsset(props.zip),
      compatibleArchitectures: [LAMBDA_ARCHITECTURE],
      compatibleRuntimes: [LAMBDA_RUNTIME],
      description: `market-pulse ${props.stage}: Oracle Instant Client (arm64) for node-oracledb thick mode`,
    });
  }
}

/** Resolves the layer zip (relative to the repository root) and fails synth, saying how to build it, when it is missing. */
export function layerZipPath(zip: string): string {
  const path = isAbsolute(zip) ? zip : join(REPO_ROOT, zip);
  if (!existsSync(path) || !statSync(path).isFile() || statSync(path).size === 0) {
    const inRepo = !relative(REPO_ROOT, path).startsWith('..');
    const shown = inRepo ? relative(REPO_ROOT, path) : path;
    throw new SynthConfigError(
      `oracleClientMode=thick needs the Oracle Instant Client layer, but ${shown} does not exist. ` +
        'Build it first: layers/oracle-instant-client/build.sh <instantclient-basiclite-linux.arm64-….zip> ' +
        '(see layers/oracle-instant-client/README.md), or set oracleLayerZip to where your built layer zip is, ' +
        'or deploy with oracleClientMode=thin.',
    );
  }
  return path;
}

export function oracleClientSetup(scope: Construct, mode: 'thin' | 'thick', zip: string, stage: string): OracleClientSetup {
  if (mode === 'thin') return { mode, environment: {}, layers: [], nodeModules: [] };
  const layer = new OracleClientLayer(scope, 'OracleInstantClient', { zip: layerZipPath(zip), stage });
  return { mode, environment: { ORACLE_CLIENT_MODE: 'thick' }, layers: [layer.layer], nodeModules: ['oracledb'] };
}
