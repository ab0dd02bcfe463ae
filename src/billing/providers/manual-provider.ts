/**
 * Payment outside Tally: the buyer pays the invoice by bank transfer and root marks the purchase
 * paid (or failed) by hand once the money has arrived, or not. There is no one to ask and nothing
 * to call, so every method is a no-op that says so.
 */
import type { Purchase } from '../model.js';
import type { Checkout, CheckoutRequest, PaymentCheck, PaymentProvider } from '../ports.js';

export class ManualProvider implements PaymentProvider {
  readonly name = 'manual' as const;

  /** No payment page: the invoice itself says how to pay. */
  async startCheckout(_request: CheckoutRequest): Promise<Checkout> {
    return { providerRef: null, paymentUrl: null };
  }

  /** Only root knows whether the transfer arrived, and says so by marking the purchase paid. */
  async check(_purchase: Purchase): Promise<PaymentCheck> {
    return { status: 'pending' };
  }

  /** The money goes back outside Tally too (a transfer root makes); Tally only records it. */
  async refund(_purchase: Purchase): Promise<void> {}
}
