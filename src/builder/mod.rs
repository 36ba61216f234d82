//! The embedded, daemonless image builder behind `msmigrate build`.
//!
//! - [`oci`]: the image format's documents and digests;
//! - [`store`]: the content-addressed local store (blobs, images, extracted layers);
//! - [`archive`]: docker-archive and OCI layout, read and written;
//! - [`layer`]: layer tars to directories (overlay format) and back;
//! - [`sandbox`]: namespaces and overlay mounts that RUN executes in;
//! - `snapshot`: without overlayfs, a step's changes by comparing copies;
//! - [`copy`]: COPY and ADD with Docker's semantics, and the build context;
//! - [`registry`]: pulls over the OCI distribution API;
//! - [`build`]: the stage executor that ties them together.

pub mod archive;
pub mod build;
pub mod copy;
mod dirtree;
pub mod layer;
pub mod oci;
pub mod registry;
pub mod sandbox;
mod snapshot;
pub mod store;
