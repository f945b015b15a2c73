/**
 * The Lambda bundle is minified without keepNames, so an error's `name` (what logs, alarms and the
 * runbook key on) is the literal each class spells: it must be the class's own name.
 */
import { describe, expect, it } from 'vitest';
import { ConfigConflictError, ConfigStoreError } from '../../../lambdas/adapters/config-store.js';
import { CircuitOpenError } from '../../../lambdas/adapters/oracle/circuit-breaker.js';
import { CheckTimeout } from '../../../lambdas/db-health/check-runner.js';
import * as errors from '../../../lambdas/errors.js';

const classes = [
  ...Object.values(errors).filter((value) => typeof value === 'function'),
  ConfigConflictError,
  ConfigStoreError,
  CircuitOpenError,
  CheckTimeout,
];

describe('error names', () => {
  it.each(classes.filter((cls) => cls !== errors.MarketPulseError).map((cls) => [cls.name, cls]))('%s names itself', (name, cls) => {
    const ErrorClass = cls as new (...args: unknown[]) => Error;
    expect(new ErrorClass('message', []).name).toBe(name);
  });
});
