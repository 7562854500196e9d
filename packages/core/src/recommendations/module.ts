import { ContainerModule } from 'inversify';
import type { Store } from '../shared/store.js';
import { TOKENS } from '../shared/tokens.js';
import { RECOMMENDATION_TOKENS } from './ports.js';
import { RecommendationService } from './recommendations.service.js';

/**
 * Recommendations: the repository from the store and `RecommendationService`
 * (`engine.recommendations`). Its rebuild job is registered by `registerRecommendationJobs`.
 */
export const recommendationModule = new ContainerModule(({ bind }) => {
  bind(RECOMMENDATION_TOKENS.RecommendationRepository).toDynamicValue(
    (ctx) => ctx.get<Store>(TOKENS.Store).repositories.recommendations,
  );
  bind(RECOMMENDATION_TOKENS.RecommendationService).to(RecommendationService).inSingletonScope();
});
