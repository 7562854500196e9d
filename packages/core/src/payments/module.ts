import { ContainerModule } from 'inversify';
import { fromStore } from '../shared/module.js';
import { PaymentService } from './payments.service.js';
import { PAYMENT_TOKENS } from './ports.js';

/**
 * Payments: the payment repository from the store and `PaymentService` (`engine.payments`).
 * `PAYMENT_TOKENS.Providers` is a port `createEngine` binds from its arguments.
 */
export const paymentModule = new ContainerModule(({ bind }) => {
  bind(PAYMENT_TOKENS.PaymentRepository).toDynamicValue(fromStore('payments'));
  bind(PAYMENT_TOKENS.PaymentService).to(PaymentService).inSingletonScope();
});
