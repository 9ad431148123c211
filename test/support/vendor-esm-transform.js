/**
 * Jest transform for jose (ESM only) into CommonJS. Not ts-jest: ts-jest compiles with the
 * project's `useDefineForClassFields: false` (the decorators need it), which moves jose's class
 * fields before a `super()` that sits inside an expression, so jose's error classes (JWTExpired, …)
 * threw "Must call super constructor" instead of being made; and ts-jest keeps one compiler
 * setting for every file of a run, whatever each transform entry says.
 */
const ts = require("typescript");

module.exports = {
  process(source, filename) {
    const { outputText } = ts.transpileModule(source, {
      fileName: filename,
      compilerOptions: { target: ts.ScriptTarget.ES2022, module: ts.ModuleKind.CommonJS, allowJs: true, useDefineForClassFields: true, esModuleInterop: true },
    });
    return { code: outputText };
  },
};
