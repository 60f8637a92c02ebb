//! `wasi:keyvalue/store` and `wasi:keyvalue/atomics` (0.2.0-draft2) for
//! components, backed by a [`KvBackend`]. A component opens only the stores
//! its manifest lists (`key_value_stores`); each store is a bucket of the one
//! backend.

use crate::bindings::{atomics, keyvalue as store};
use crate::storage::{KvBackend, KvError};
use std::sync::Arc;
use wasmtime::component::{HasData, Linker, Resource, ResourceTable};

/// Keys one `list-keys` call returns.
pub const LIST_PAGE: u32 = 1000;

/// An open store (`wasi:keyvalue/store.bucket`).
#[derive(Debug)]
pub struct Bucket {
    name: String,
}

/// A compare-and-swap in progress (`wasi:keyvalue/atomics.cas`): the value
/// seen when it was made, which `swap` requires to be unchanged.
#[derive(Debug)]
pub struct Cas {
    bucket: String,
    key: String,
    current: Option<Vec<u8>>,
}

/// The key-value capability's configuration for one component.
#[derive(Clone)]
pub struct KvCtx {
    backend: Arc<dyn KvBackend>,
    allowed_stores: Vec<String>,
}

impl KvCtx {
    /// Stores in `backend`, of which the component may open `allowed_stores`.
    pub fn new(backend: Arc<dyn KvBackend>, allowed_stores: Vec<String>) -> Self {
        Self {
            backend,
            allowed_stores,
        }
    }
}

/// The key-value capability as one store sees it.
pub struct KvView<'a> {
    /// The component's configuration.
    pub ctx: &'a KvCtx,
    /// The store's resource table.
    pub table: &'a mut ResourceTable,
}

impl<'a> KvView<'a> {
    /// A view of `ctx` using the store's resource `table`.
    pub fn new(ctx: &'a KvCtx, table: &'a mut ResourceTable) -> Self {
        Self { ctx, table }
    }

    fn bucket(&self, bucket: &Resource<Bucket>) -> wasmtime::Result<String> {
        Ok(self.table.get(bucket)?.name.clone())
    }
}

/// Link `wasi:keyvalue/store` and `wasi:keyvalue/atomics` into `linker`;
/// `get` hands out the store's view.
pub fn add_to_linker<T: Send + 'static>(
    linker: &mut Linker<T>,
    get: fn(&mut T) -> KvView<'_>,
) -> wasmtime::Result<()> {
    store::add_to_linker::<T, Kv>(linker, get)?;
    atomics::add_to_linker::<T, Kv>(linker, get)
}

struct Kv;

impl HasData for Kv {
    type Data<'a> = KvView<'a>;
}

fn to_wit_error(e: KvError) -> store::Error {
    if matches!(e, KvError::Backend(_)) {
        tracing::warn!(error = %e, "key-value storage failed");
    }
    store::Error::Other(e.to_string())
}

impl store::Host for KvView<'_> {
    async fn open(
        &mut self,
        identifier: String,
    ) -> wasmtime::Result<Result<Resource<Bucket>, store::Error>> {
        // Every name is a bucket of the backend, so the only refusal is the
        // manifest's (Spin answers the same for an unlisted store).
        if !self.ctx.allowed_stores.contains(&identifier) {
            return Ok(Err(store::Error::AccessDenied));
        }
        Ok(Ok(self.table.push(Bucket { name: identifier })?))
    }
}

impl store::HostBucket for KvView<'_> {
    async fn get(
        &mut self,
        bucket: Resource<Bucket>,
        key: String,
    ) -> wasmtime::Result<Result<Option<Vec<u8>>, store::Error>> {
        let bucket = self.bucket(&bucket)?;
        Ok(self
            .ctx
            .backend
            .get(&bucket, &key)
            .await
            .map_err(to_wit_error))
    }

    async fn set(
        &mut self,
        bucket: Resource<Bucket>,
        key: String,
        value: Vec<u8>,
    ) -> wasmtime::Result<Result<(), store::Error>> {
        let bucket = self.bucket(&bucket)?;
        Ok(self
            .ctx
            .backend
            .set(&bucket, &key, value)
            .await
            .map_err(to_wit_error))
    }

    async fn delete(
        &mut self,
        bucket: Resource<Bucket>,
        key: String,
    ) -> wasmtime::Result<Result<(), store::Error>> {
        let bucket = self.bucket(&bucket)?;
        Ok(self
            .ctx
            .backend
            .delete(&bucket, &key)
            .await
            .map(drop)
            .map_err(to_wit_error))
    }

    async fn exists(
        &mut self,
        bucket: Resource<Bucket>,
        key: String,
    ) -> wasmtime::Result<Result<bool, store::Error>> {
        let bucket = self.bucket(&bucket)?;
        Ok(self
            .ctx
            .backend
            .exists(&bucket, &key)
            .await
            .map_err(to_wit_error))
    }

    async fn list_keys(
        &mut self,
        bucket: Resource<Bucket>,
        cursor: Option<String>,
    ) -> wasmtime::Result<Result<store::KeyResponse, store::Error>> {
        let bucket = self.bucket(&bucket)?;
        let page = self
            .ctx
            .backend
            .list_keys(&bucket, cursor.as_deref(), LIST_PAGE)
            .await;
        Ok(page
            .map(|(keys, cursor)| store::KeyResponse { keys, cursor })
            .map_err(to_wit_error))
    }

    async fn drop(&mut self, bucket: Resource<Bucket>) -> wasmtime::Result<()> {
        self.table.delete(bucket)?;
        Ok(())
    }
}

impl atomics::Host for KvView<'_> {
    async fn increment(
        &mut self,
        bucket: Resource<Bucket>,
        key: String,
        delta: i64,
    ) -> wasmtime::Result<Result<i64, store::Error>> {
        let bucket = self.bucket(&bucket)?;
        Ok(self
            .ctx
            .backend
            .increment(&bucket, &key, delta)
            .await
            .map_err(to_wit_error))
    }

    async fn swap(
        &mut self,
        cas: Resource<Cas>,
        value: Vec<u8>,
    ) -> wasmtime::Result<Result<(), atomics::CasError>> {
        let Cas {
            bucket,
            key,
            current,
        } = self.table.delete(cas)?;
        let swapped = self
            .ctx
            .backend
            .compare_and_swap(&bucket, &key, current.as_deref(), value)
            .await;
        match swapped {
            Ok(true) => Ok(Ok(())),
            Ok(false) => {
                // Someone changed the value since `Cas::new`: hand back a CAS of
                // the fresh value so the guest can retry.
                let current = match self.ctx.backend.get(&bucket, &key).await {
                    Ok(current) => current,
                    Err(e) => return Ok(Err(atomics::CasError::StoreError(to_wit_error(e)))),
                };
                let fresh = self.table.push(Cas {
                    bucket,
                    key,
                    current,
                })?;
                Ok(Err(atomics::CasError::CasFailed(fresh)))
            }
            Err(e) => Ok(Err(atomics::CasError::StoreError(to_wit_error(e)))),
        }
    }
}

impl atomics::HostCas for KvView<'_> {
    async fn new(
        &mut self,
        bucket: Resource<Bucket>,
        key: String,
    ) -> wasmtime::Result<Result<Resource<Cas>, store::Error>> {
        let bucket = self.bucket(&bucket)?;
        let current = match self.ctx.backend.get(&bucket, &key).await {
            Ok(current) => current,
            Err(e) => return Ok(Err(to_wit_error(e))),
        };
        Ok(Ok(self.table.push(Cas {
            bucket,
            key,
            current,
        })?))
    }

    async fn current(
        &mut self,
        cas: Resource<Cas>,
    ) -> wasmtime::Result<Result<Option<Vec<u8>>, store::Error>> {
        Ok(Ok(self.table.get(&cas)?.current.clone()))
    }

    async fn drop(&mut self, cas: Resource<Cas>) -> wasmtime::Result<()> {
        self.table.delete(cas)?;
        Ok(())
    }
}

#[cfg(test)]
#[expect(clippy::unwrap_used, reason = "a test fails loudly")]
mod tests {
    use super::*;
    use crate::storage::MemoryKvBackend;
    use atomics::{Host as _, HostCas as _};
    use store::{Host as _, HostBucket as _};

    fn ctx() -> KvCtx {
        KvCtx::new(
            Arc::new(MemoryKvBackend::new()),
            vec!["default".into(), "credentials".into()],
        )
    }

    /// The handle a guest passes as `borrow<…>`.
    fn borrow<T: 'static>(r: &Resource<T>) -> Resource<T> {
        Resource::new_borrow(r.rep())
    }

    #[tokio::test]
    async fn only_stores_the_manifest_lists_open() {
        let ctx = ctx();
        let mut table = ResourceTable::new();
        let mut view = KvView::new(&ctx, &mut table);
        assert!(matches!(
            view.open("secrets".into()).await.unwrap(),
            Err(store::Error::AccessDenied)
        ));
        let bucket = view.open("default".into()).await.unwrap().unwrap();
        store::HostBucket::drop(&mut view, bucket).await.unwrap();
        assert!(view.table.is_empty());
    }

    #[tokio::test]
    async fn bucket_operations_reach_the_backend_per_store() {
        let ctx = ctx();
        let mut table = ResourceTable::new();
        let mut view = KvView::new(&ctx, &mut table);
        let a = view.open("default".into()).await.unwrap().unwrap();
        let b = view.open("credentials".into()).await.unwrap().unwrap();
        assert_eq!(
            view.get(borrow(&a), "k".into()).await.unwrap().unwrap(),
            None
        );
        view.set(borrow(&a), "k".into(), b"v".to_vec())
            .await
            .unwrap()
            .unwrap();
        view.set(borrow(&a), "j".into(), b"w".to_vec())
            .await
            .unwrap()
            .unwrap();
        assert_eq!(
            view.get(borrow(&a), "k".into()).await.unwrap().unwrap(),
            Some(b"v".to_vec())
        );
        assert!(
            !view.exists(borrow(&b), "k".into()).await.unwrap().unwrap(),
            "stores are separate"
        );
        let keys = view.list_keys(borrow(&a), None).await.unwrap().unwrap();
        assert_eq!(
            (keys.keys, keys.cursor),
            (vec!["j".to_owned(), "k".to_owned()], None)
        );
        view.delete(borrow(&a), "k".into()).await.unwrap().unwrap();
        view.delete(borrow(&a), "k".into()).await.unwrap().unwrap();
        assert!(!view.exists(borrow(&a), "k".into()).await.unwrap().unwrap());
        assert_eq!(
            view.increment(borrow(&a), "n".into(), 3)
                .await
                .unwrap()
                .unwrap(),
            3
        );
        assert_eq!(
            view.increment(borrow(&a), "n".into(), 4)
                .await
                .unwrap()
                .unwrap(),
            7
        );
        assert!(matches!(
            view.increment(borrow(&a), "j".into(), 1).await.unwrap(),
            Err(store::Error::Other(_))
        ));
        assert_eq!(
            ctx.backend.get("default", "n").await.unwrap(),
            Some(b"7".to_vec())
        );
    }

    #[tokio::test]
    async fn a_swap_after_a_concurrent_change_fails_with_a_fresh_cas() {
        let ctx = ctx();
        let mut table = ResourceTable::new();
        let mut view = KvView::new(&ctx, &mut table);
        let bucket = view.open("default".into()).await.unwrap().unwrap();

        // Absent, then created through CAS.
        let cas = atomics::HostCas::new(&mut view, borrow(&bucket), "rec".into())
            .await
            .unwrap()
            .unwrap();
        assert_eq!(view.current(borrow(&cas)).await.unwrap().unwrap(), None);
        view.swap(cas, b"1".to_vec()).await.unwrap().unwrap();

        let cas = atomics::HostCas::new(&mut view, borrow(&bucket), "rec".into())
            .await
            .unwrap()
            .unwrap();
        assert_eq!(
            view.current(borrow(&cas)).await.unwrap().unwrap(),
            Some(b"1".to_vec())
        );
        // Another request writes in between.
        ctx.backend
            .set("default", "rec", b"2".to_vec())
            .await
            .unwrap();
        let fresh = match view.swap(cas, b"from 1".to_vec()).await.unwrap() {
            Err(atomics::CasError::CasFailed(fresh)) => fresh,
            other => panic!("expected cas-failed, got {other:?}"),
        };
        assert_eq!(
            ctx.backend.get("default", "rec").await.unwrap(),
            Some(b"2".to_vec()),
            "not overwritten"
        );
        assert_eq!(
            view.current(borrow(&fresh)).await.unwrap().unwrap(),
            Some(b"2".to_vec())
        );
        view.swap(fresh, b"from 2".to_vec()).await.unwrap().unwrap();
        assert_eq!(
            ctx.backend.get("default", "rec").await.unwrap(),
            Some(b"from 2".to_vec())
        );

        let unused = atomics::HostCas::new(&mut view, borrow(&bucket), "rec".into())
            .await
            .unwrap()
            .unwrap();
        atomics::HostCas::drop(&mut view, unused).await.unwrap();
        store::HostBucket::drop(&mut view, bucket).await.unwrap();
        assert!(view.table.is_empty());
    }

    #[tokio::test]
    async fn a_stale_handle_is_a_trap_not_a_guest_error() {
        let ctx = ctx();
        let mut table = ResourceTable::new();
        let mut view = KvView::new(&ctx, &mut table);
        let bucket = view.open("default".into()).await.unwrap().unwrap();
        let stale = borrow(&bucket);
        store::HostBucket::drop(&mut view, bucket).await.unwrap();
        assert!(view.get(stale, "k".into()).await.is_err());
    }
}
