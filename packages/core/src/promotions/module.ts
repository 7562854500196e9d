import { ContainerModule } from 'inversify';
import { fromStore } from '../shared/module.js';
import { PROMOTION_TOKENS } from './ports.js';
import { PromotionService } from './promotions.service.js';

/** Promotions: the promotion repository from the store and `PromotionService` (`engine.promotions`). */
export const promotionModule = new ContainerModule(({ bind }) => {
  bind(PROMOTION_TOKENS.PromotionRepository).toDynamicValue(fromStore('promotions'));
  bind(PROMOTION_TOKENS.PromotionService).to(PromotionService).inSingletonScope();
});
