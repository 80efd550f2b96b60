const fake = new URL('./keyring.mjs', import.meta.url).href;
export async function resolve(specifier, context, next) {
  if (specifier === '@napi-rs/keyring') return { url: fake, shortCircuit: true };
  return next(specifier, context);
}
