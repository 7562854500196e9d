import { ContainerModule } from 'inversify';
import { fromStore } from '../shared/module.js';
import { PaymentService } from './payments.service.js';
import { RefundService } from './refunds.service.js';
import { PAYMENT_TOKENS } from './ports.js';

/**
 * Payments: the payment and refund repositories from the store, `RefundService` and `PaymentService`
 * (`engine.payments`, which hands refunds to `RefundService`).
 * `PAYMENT_TOKENS.Providers` is a port `createEngine` binds from its arguments.
 */
export const paymentModule = new ContainerModule(({ bind }) => {
  bind(PAYMENT_TOKENS.PaymentRepository).toDynamicValue(fromStore('payments'));
  bind(PAYMENT_TOKENS.RefundRepository).toDynamicValue(fromStore('refunds'));
  bind(PAYMENT_TOKENS.RefundService).to(RefundService).inSingletonScope();
  bind(PAYMENT_TOKENS.PaymentService).to(PaymentService).inSingletonScope();
});
