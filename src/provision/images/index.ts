// The lab workload images (vm-images/workloads/): what other modules use of them.
export {
  type BuildWorkloadImagesOptions,
  type BuiltImage,
  buildWorkloadImages,
  ensureImage,
  type ImageBuildProgress,
  type ImageBuildStep,
  listWorkloadImages,
  recipeHashLabel,
  type WorkloadImageState,
  workloadArchiveName,
  workloadImagesDir,
} from './image-builder.js';
export {
  findWorkloadImage,
  normalizeImageReference,
  type WorkloadImage,
  workloadImages,
} from './workload-catalogue.js';
