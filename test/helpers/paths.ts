import { fileURLToPath } from 'node:url';

/** `../shared` beside the repository (DESIGN.md, fixtures, compat files). */
export const SHARED = fileURLToPath(new URL('../../../shared/', import.meta.url));
export const REPO = fileURLToPath(new URL('../../', import.meta.url));

export const CEILOMETER_19 = `${SHARED}compat/ceilometer-19/`;
export const CEILOMETER_NEWTON = `${SHARED}compat/ceilometer-newton/`;
export const GOLDEN = `${SHARED}fixtures/golden/`;
