// The lab workload images (vm-images/workloads/) and the node image (vm-images/node/): what
// other modules use of them.
export {
  type BuildWorkloadImagesOptions,
  type BuiltImage,
  buildWorkloadImages,
  ensureImage,
  type ImageBuildProgress,
  type ImageBuildStep,
  listWorkloadImages,
  recipeHashLabel,
  saveImages,
  type WorkloadImageState,
  workloadArchiveName,
  workloadImagesDir,
} from './image-builder.js';
export {
  authorizedKeyArchive,
  authorizedKeyKernelArgument,
  authorizedKeyKernelParameter,
} from './node-authorized-key.js';
export {
  type BuildNodeImageOptions,
  buildNodeImage,
  listNodeImage,
  type NodeImage,
  type NodeImageManifest,
  type NodeImageProgress,
  type NodeImageState,
  type NodeImageStep,
  nodeDiskLabel,
  nodeImageCacheRoot,
  nodeImageRepository,
  nodeImageTag,
} from './node-image.js';
export { debianMirrorVariable } from './node-recipe.js';
export {
  findWorkloadImage,
  normalizeImageReference,
  type WorkloadImage,
  workloadImages,
} from './workload-catalogue.js';
