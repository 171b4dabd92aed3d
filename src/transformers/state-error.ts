import { MeterflowError } from '../errors.js';

/** A state handed to `restore()` that this transformer cannot have produced. */
export class TransformerStateError extends MeterflowError {
  constructor(message: string) {
    super('transformer_state_invalid', message);
  }
}
