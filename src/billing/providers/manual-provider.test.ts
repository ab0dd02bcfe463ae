import { describe, expect, it } from 'vitest';
import { credits } from '../../core/amount.js';
import type { Purchase } from '../model.js';
import { ManualProvider } from './manual-provider.js';

const PURCHASE: Purchase = {
  id: 'pur_1',
  orgId: 'org_1',
  packId: null,
  description: '2,500 credits',
  credits: credits(2500),
  unitPrice: 1n,
  amount: 2500n,
  currency: 'USD',
  provider: 'manual',
  providerRef: null,
  paymentUrl: null,
  status: 'pending',
  buyer: 'root',
  createdAt: 0,
  paidAt: null,
  failedAt: null,
  refundedAt: null,
  failureReason: null,
  grantId: null,
  invoiceNumber: null,
  invoicedAt: null,
};

describe('ManualProvider', () => {
  it('has no payment page, nothing to ask and nothing to refund', async () => {
    const provider = new ManualProvider();
    expect(provider.name).toBe('manual');
    expect(
      await provider.startCheckout({ purchase: PURCHASE, orgName: 'Org', returnUrl: undefined }),
    ).toEqual({ providerRef: null, paymentUrl: null });
    expect(await provider.check(PURCHASE)).toEqual({ status: 'pending' });
    await expect(provider.refund(PURCHASE)).resolves.toBeUndefined();
  });
});
