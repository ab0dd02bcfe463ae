/**
 * A payment provider that could not do what it was asked: unreachable, refusing our key, or
 * answering an error. Thrown, not returned, because it is infrastructure failing rather than a
 * buyer's mistake; billing catches it and answers `payment_provider_failed` with its message.
 */
import type { PaymentProviderName } from '../model.js';

export class PaymentProviderError extends Error {
  override readonly name = 'PaymentProviderError';

  constructor(
    readonly provider: PaymentProviderName,
    message: string,
    /** The provider's HTTP status, or null when no answer came (network error, timeout). */
    readonly status: number | null = null,
    /** The provider's own error code ("resource_missing", "card_declined"), when it gave one. */
    readonly providerCode: string | null = null,
    options?: ErrorOptions,
  ) {
    super(message, options);
  }
}
