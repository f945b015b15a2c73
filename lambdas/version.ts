import packageJson from '../package.json' with { type: 'json' };

/** The product version recorded in every manifest (bundled in, so it holds inside a Lambda too). */
export const CODE_VERSION: string = packageJson.version;
