// @ts-nocheck: a test fixture shared by the Connect server process and the tests.
// The Echo service of test/grpc/echo.proto (all four kinds of call) as a
// Connect service descriptor, built from a FileDescriptorProto at run time
// (no code generation).
'use strict';
const { create, createFileRegistry } = require('@bufbuild/protobuf');
const { FileDescriptorProtoSchema } = require('@bufbuild/protobuf/wkt');

const STRING = 9;
const DOUBLE = 1;
const OPTIONAL = 1;
const field = (name, number, type) => ({ name, number, type, label: OPTIONAL, jsonName: name.replace(/_(.)/g, (_, c) => c.toUpperCase()) });
const file = create(FileDescriptorProtoSchema, {
  name: 'echo.proto',
  package: 'ctxkit.test',
  syntax: 'proto3',
  messageType: [
    { name: 'Req', field: [field('id', 1, STRING), field('mode', 2, STRING)] },
    { name: 'Res', field: [field('id', 1, STRING), field('remaining_ms', 2, DOUBLE), field('tenant', 3, STRING)] },
  ],
  service: [
    {
      name: 'Echo',
      method: [
        { name: 'Unary', inputType: '.ctxkit.test.Req', outputType: '.ctxkit.test.Res' },
        { name: 'ServerStream', inputType: '.ctxkit.test.Req', outputType: '.ctxkit.test.Res', serverStreaming: true },
        { name: 'ClientStream', inputType: '.ctxkit.test.Req', outputType: '.ctxkit.test.Res', clientStreaming: true },
        { name: 'Bidi', inputType: '.ctxkit.test.Req', outputType: '.ctxkit.test.Res', clientStreaming: true, serverStreaming: true },
      ],
    },
  ],
});
const registry = createFileRegistry(file, () => undefined);
exports.Echo = registry.getService('ctxkit.test.Echo');
