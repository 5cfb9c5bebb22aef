//! The one place core errors become JavaScript errors with a `code`.

use napi::bindgen_prelude::*;

/// A stable error code, the `code` property of the thrown `Error`.
pub struct Code(pub &'static str);

impl AsRef<str> for Code {
    fn as_ref(&self) -> &str {
        self.0
    }
}

/// A result whose error carries a stable code.
pub type Result<T, E = napi::Error<Code>> = std::result::Result<T, E>;

/// A core error as a JavaScript error.
pub fn fail(e: impl Into<sesshu_core::Error>) -> napi::Error<Code> {
    let e: sesshu_core::Error = e.into();
    napi::Error::new(Code(e.code()), e.public_message())
}

/// An error of the binding itself (a value of the wrong form).
pub fn invalid(code: &'static str, message: impl Into<String>) -> napi::Error<Code> {
    napi::Error::new(Code(code), message.into())
}

/// Work for the libuv pool: runs a core call off the event loop and
/// settles the Promise, rejecting with an `Error` that carries `code`.
pub struct Job<T: Send + 'static, J> {
    work: Option<Box<dyn FnOnce() -> std::result::Result<T, sesshu_core::Error> + Send>>,
    convert: fn(T) -> J,
    failure: Option<(&'static str, String)>,
}

impl<T: Send + 'static, J> Job<T, J> {
    /// A job running `work`, whose result `convert` turns into JavaScript values.
    pub fn new(
        work: impl FnOnce() -> std::result::Result<T, sesshu_core::Error> + Send + 'static,
        convert: fn(T) -> J,
    ) -> AsyncTask<Self>
    where
        J: ToNapiValue + TypeName,
    {
        AsyncTask::new(Job {
            work: Some(Box::new(work)),
            convert,
            failure: None,
        })
    }
}

impl<T: Send + 'static, J: ToNapiValue + TypeName> Task for Job<T, J> {
    type Output = T;
    type JsValue = J;

    fn compute(&mut self) -> napi::Result<T> {
        let work = self
            .work
            .take()
            .ok_or_else(|| napi::Error::from_reason("the job already ran"))?;
        work().map_err(|e| {
            let message = e.public_message();
            self.failure = Some((e.code(), message.clone()));
            napi::Error::from_reason(message)
        })
    }

    fn resolve(&mut self, _env: Env, output: T) -> napi::Result<J> {
        Ok((self.convert)(output))
    }

    fn reject(&mut self, env: Env, err: napi::Error) -> napi::Result<J> {
        let (code, message) = self
            .failure
            .take()
            .unwrap_or(("storage_backend", err.reason.clone()));
        let mut error = env.create_error(napi::Error::from_reason(message))?;
        error.set_named_property("code", code)?;
        Err(napi::Error::from(error.to_unknown()))
    }
}
