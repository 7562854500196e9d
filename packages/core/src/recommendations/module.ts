import { ContainerModule } from 'inversify';
import { fromStore } from '../shared/module.js';
import { RECOMMENDATION_TOKENS } from './ports.js';
import { RecommendationService } from './recommendations.service.js';

/**
 * Recommendations: the repository from the store and `RecommendationService`
 * (`engine.recommendations`). Its rebuild job is registered by `registerRecommendationJobs`.
 */
export const recommendationModule = new ContainerModule(({ bind }) => {
  bind(RECOMMENDATION_TOKENS.RecommendationRepository).toDynamicValue(fromStore('recommendations'));
  bind(RECOMMENDATION_TOKENS.RecommendationService).to(RecommendationService).inSingletonScope();
});
