//! The typed services (filled once the generated protos exist).
