/**
 * The database server's version, by query: the connection port exposes no version property, and
 * a query works the same in thin and thick mode. PRODUCT_COMPONENT_VERSION is readable by PUBLIC;
 * V$VERSION often is not (it needs SELECT_CATALOG_ROLE or a grant), so it is only the fallback.
 * Missing privileges are tolerated: the caller gets the reason instead of a version.
 */
import { oracleErrorCodes } from './errors.js';
import type { OracleSession } from './session.js';

export interface ServerVersion {
  /** e.g. `Oracle Database 19c Enterprise Edition 19.0.0.0.0`; null when no view could be read. */
  readonly version: string | null;
  /** The V$VERSION banner lines, when readable. */
  readonly banner: readonly string[];
  /** Why a view could not be read, e.g. `V$VERSION: ORA-00942`. */
  readonly unavailable: readonly string[];
}

const PRODUCT_VERSION_SQL = "SELECT product, version FROM product_component_version WHERE product LIKE 'Oracle%'";
const BANNER_SQL = 'SELECT banner FROM v$version';

export async function serverVersion(session: OracleSession, options: { readonly banner?: boolean } = {}): Promise<ServerVersion> {
  const unavailable: string[] = [];
  let version: string | null = null;
  let banner: string[] = [];
  try {
    const rows = await session.rows(PRODUCT_VERSION_SQL, {}, 10);
    const first = rows[0];
    if (first) version = [first[0]?.trim(), first[1]?.trim()].filter(Boolean).join(' ') || null;
  } catch (error) {
    unavailable.push(`PRODUCT_COMPONENT_VERSION: ${reason(error)}`);
  }
  if (version === null || options.banner === true) {
    try {
      banner = (await session.rows(BANNER_SQL, {}, 20)).map((row) => row[0] ?? '').filter((line) => line !== '');
      version ??= banner[0] ?? null;
    } catch (error) {
      unavailable.push(`V$VERSION: ${reason(error)}`);
    }
  }
  return { version, banner, unavailable };
}

/** The Oracle code alone: a privilege problem is worth a note, not the driver's whole message. */
function reason(error: unknown): string {
  return oracleErrorCodes(error)[0] ?? (error instanceof Error ? error.name : 'error');
}
