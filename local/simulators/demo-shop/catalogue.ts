/** The demo shop's socks. Prices in øre; the sandbox acquirer picks its answer by the total. */
export interface Product {
  id: string;
  name: string;
  price: number;
  note?: string;
}

export const CATALOGUE: readonly Product[] = [
  { id: 'wool', name: 'Wool socks', price: 14_900 },
  { id: 'cotton', name: 'Cotton socks', price: 9_900 },
  {
    id: 'step-up',
    name: 'Test socks',
    // 10036 øre is the sandbox's soft decline: the issuer asks for 3-D Secure (code 1234).
    price: 10_036,
    note: 'alone in the basket (100,36 kr), the sandbox issuer asks for 3-D Secure — code 1234',
  },
];

export const productById = (id: string): Product | undefined => CATALOGUE.find((p) => p.id === id);

/** "149,00 kr", integers only. */
export function kroner(amount: number): string {
  return `${Math.trunc(amount / 100)},${String(amount % 100).padStart(2, '0')}\u00a0kr`;
}
