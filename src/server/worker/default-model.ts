// The built-in 'default' model handler (runs inside a worker). It uses the embedding runtime's Node
// loader for the default model (public/models/default) once that lands in src/model; until then it
// fails at deploy with a message saying what is missing, so `model: 'default'` never silently runs
// something else.
import type { ModelHandlerFactory } from './protocol';

export const createModelHandler: ModelHandlerFactory = async () => {
  throw new Error('the default model loader is not available in this build (src/model has no Node default-model loader yet)');
};
