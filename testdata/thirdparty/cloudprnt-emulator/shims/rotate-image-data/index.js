// Stand-in for rotate-image-data: unused by the test (no --rotate180).
export default function rotate (imageData) { return imageData }
