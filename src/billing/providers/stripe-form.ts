/**
 * Stripe's request bodies: form-encoded, with nesting written in brackets, as its API and SDKs
 * do. `{ line_items: [{ price_data: { currency: 'usd' } }] }` becomes
 * `line_items[0][price_data][currency]=usd`. Undefined and null fields are left out (Stripe reads
 * an empty string as "unset", which we never mean).
 */

export type StripeParam =
  | string
  | number
  | bigint
  | boolean
  | null
  | undefined
  | readonly StripeParam[]
  | { readonly [key: string]: StripeParam };

export function stripeForm(params: { readonly [key: string]: StripeParam }): URLSearchParams {
  const form = new URLSearchParams();
  const add = (key: string, value: StripeParam): void => {
    if (value === undefined || value === null) return;
    if (Array.isArray(value)) {
      value.forEach((item: StripeParam, index) => add(`${key}[${index}]`, item));
    } else if (typeof value === 'object') {
      for (const [name, item] of Object.entries(value)) add(`${key}[${name}]`, item);
    } else {
      form.append(key, String(value));
    }
  };
  for (const [name, value] of Object.entries(params)) add(name, value);
  return form;
}
