/** The shop's orders, kept in memory: this is an example, not a shop. */
export interface Order {
  id: string;
  amountSatang: number;
  status: 'pending' | 'paid' | 'failed' | 'expired';
  chargeId: string | null;
  authorizeUri: string | null;
  /** The id of the verified webhook event after which the re-retrieved charge settled the order. */
  confirmedBy: string | null;
  createdAt: string;
}

export class OrderBook {
  private readonly orders = new Map<string, Order>();
  private readonly byCharge = new Map<string, string>();
  private sequence = 1000;

  create(amountSatang: number): Order {
    const order: Order = { id: `ord_${++this.sequence}`, amountSatang, status: 'pending', chargeId: null, authorizeUri: null, confirmedBy: null, createdAt: new Date().toISOString() };
    this.orders.set(order.id, order);
    return order;
  }

  attachCharge(order: Order, chargeId: string, authorizeUri: string): void {
    order.chargeId = chargeId;
    order.authorizeUri = authorizeUri;
    this.byCharge.set(chargeId, order.id);
  }

  get(id: string): Order | undefined {
    return this.orders.get(id);
  }

  byChargeId(chargeId: string): Order | undefined {
    const id = this.byCharge.get(chargeId);
    return id === undefined ? undefined : this.orders.get(id);
  }

  all(): Order[] {
    return [...this.orders.values()];
  }
}
