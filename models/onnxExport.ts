/**
 * Export of a frozen U-Net (models/inferenceGraph.ts) as an ONNX model, so a native runtime
 * (onnxruntime-node's CPU build, models/onnxRuntime.ts) can run the forward pass. No converter from
 * tfjs to ONNX exists in JavaScript; this one writes the frozen graph's few operations (Conv, LeakyRelu,
 * Mul, Add, MaxPool, Resize, Concat, Softmax, Transpose) in ONNX opset 13, IR version 7
 * (https://onnx.ai/onnx/operators/), encoded by protobufjs from the message fields of onnx.proto that
 * it needs (`ONNX_SCHEMA` below).
 *
 * Layout: ONNX convolutions are channels first. The graph's input `x` is float32 `[n, 1, h, w]`, which
 * is the same memory as the `[n, h, w]` patches the segmenter gets; its output `probabilities` is
 * transposed back to channels last, float32 `[n, h, w, classes]`, the layout of the tfjs graph. Kernels
 * go from tfjs `[kh, kw, in, out]` to ONNX `[out, in, kh, kw]`; 'same' padding is ONNX's `SAME_UPPER`
 * (the extra pixel at the end, as TensorFlow pads); the bilinear 2x upsampling is `Resize` with
 * `half_pixel` coordinates (PyTorch's `align_corners=False`, edges replicated), nearest upsampling is
 * `Resize` with `asymmetric` coordinates and `floor` rounding (source pixel floor(y / 2)).
 */
import protobuf from 'protobufjs/light.js';
import type { FrozenConv, FrozenGraph, FrozenOp } from './inferenceGraph.ts';
import { AtomdynError } from '../data/errors.ts';
import { ONNX_INPUT, ONNX_OUTPUT } from './onnxRuntime.ts';

/** The messages and fields of onnx.proto (ONNX IR) that the exporter writes; field numbers as in onnx.proto. */
const ONNX_SCHEMA = {
  nested: {
    onnx: {
      nested: {
        ModelProto: {
          fields: {
            irVersion: { type: 'int64', id: 1 },
            opsetImport: { rule: 'repeated', type: 'OperatorSetIdProto', id: 8 },
            producerName: { type: 'string', id: 2 },
            producerVersion: { type: 'string', id: 3 },
            docString: { type: 'string', id: 6 },
            graph: { type: 'GraphProto', id: 7 },
          },
        },
        OperatorSetIdProto: { fields: { domain: { type: 'string', id: 1 }, version: { type: 'int64', id: 2 } } },
        GraphProto: {
          fields: {
            node: { rule: 'repeated', type: 'NodeProto', id: 1 },
            name: { type: 'string', id: 2 },
            initializer: { rule: 'repeated', type: 'TensorProto', id: 5 },
            input: { rule: 'repeated', type: 'ValueInfoProto', id: 11 },
            output: { rule: 'repeated', type: 'ValueInfoProto', id: 12 },
          },
        },
        NodeProto: {
          fields: {
            input: { rule: 'repeated', type: 'string', id: 1 },
            output: { rule: 'repeated', type: 'string', id: 2 },
            name: { type: 'string', id: 3 },
            opType: { type: 'string', id: 4 },
            attribute: { rule: 'repeated', type: 'AttributeProto', id: 5 },
          },
        },
        AttributeProto: {
          fields: {
            name: { type: 'string', id: 1 },
            f: { type: 'float', id: 2 },
            i: { type: 'int64', id: 3 },
            s: { type: 'bytes', id: 4 },
            ints: { rule: 'repeated', type: 'int64', id: 8 },
            type: { type: 'int32', id: 20 },
          },
        },
        TensorProto: {
          fields: {
            dims: { rule: 'repeated', type: 'int64', id: 1 },
            dataType: { type: 'int32', id: 2 },
            name: { type: 'string', id: 8 },
            rawData: { type: 'bytes', id: 9 },
          },
        },
        ValueInfoProto: { fields: { name: { type: 'string', id: 1 }, type: { type: 'TypeProto', id: 2 } } },
        TypeProto: { fields: { tensorType: { type: 'TypeProtoTensor', id: 1 } } },
        TypeProtoTensor: { fields: { elemType: { type: 'int32', id: 1 }, shape: { type: 'TensorShapeProto', id: 2 } } },
        TensorShapeProto: { fields: { dim: { rule: 'repeated', type: 'Dimension', id: 1 } } },
        Dimension: { fields: { dimValue: { type: 'int64', id: 1 }, dimParam: { type: 'string', id: 2 } } },
      },
    },
  },
};

/** AttributeProto.AttributeType values used here. */
const ATTR = { FLOAT: 1, INT: 2, STRING: 3, INTS: 7 } as const;
/** TensorProto.DataType FLOAT. */
const FLOAT = 1;

// the graph's input and output names (models/onnxRuntime.ts), exported here too for callers of the exporter
export { ONNX_INPUT, ONNX_OUTPUT };

type Attribute = { name: string; type: number; f?: number; i?: number; s?: Uint8Array; ints?: number[] };
const intAttr = (name: string, i: number): Attribute => ({ name, type: ATTR.INT, i });
const intsAttr = (name: string, ints: number[]): Attribute => ({ name, type: ATTR.INTS, ints });
const stringAttr = (name: string, s: string): Attribute => ({ name, type: ATTR.STRING, s: new TextEncoder().encode(s) });

/**
 * Write a frozen U-Net graph as an ONNX model (opset 13).
 *
 * @param graph the graph of a {@link FrozenUNet} (`freezeUNet(model).graph`); its weights are read
 *   with `dataSync` and not changed
 * @param producerVersion written as the model's producer version (atomdyn's version)
 * @returns the serialised ModelProto (bytes of a `.onnx` file)
 * @throws AtomdynError('model', ...) for an operation this exporter cannot express (a conv with
 *   strides other than 1 and 'same' padding is written with `SAME_UPPER`, which is TensorFlow's rule)
 */
export function exportOnnx(graph: FrozenGraph, producerVersion = ''): Uint8Array {
  const root = protobuf.Root.fromJSON(ONNX_SCHEMA);
  const Model = root.lookupType('onnx.ModelProto');
  const nodes: Array<{ input: string[]; output: string[]; name: string; opType: string; attribute: Attribute[] }> = [];
  const initializers: Array<{ name: string; dims: number[]; dataType: number; rawData: Uint8Array }> = [];
  const constant = (name: string, dims: number[], values: Float32Array): string => {
    // raw_data is little-endian; copy so the bytes do not alias a tensor's buffer
    const bytes = new Uint8Array(values.length * 4);
    const view = new DataView(bytes.buffer);
    for (let i = 0; i < values.length; i++) view.setFloat32(4 * i, values[i], true);
    initializers.push({ name: `unet/${name}`, dims, dataType: FLOAT, rawData: bytes });
    return `unet/${name}`;
  };
  // every node and tensor made here is named `unet/...` (after the layer), so none can clash with the graph's input or output
  const node = (opType: string, name: string, input: string[], attribute: Attribute[] = [], output = `unet/${name}`): string => {
    nodes.push({ input, output: [output], name: `unet/${name}`, opType, attribute });
    return output;
  };
  const scales = new Map<string, string>();
  const scalesFor = (size: [number, number]): string => {
    const key = size.join('x');
    if (!scales.has(key)) scales.set(key, constant(`scales_${key}`, [4], Float32Array.of(1, 1, size[0], size[1])));
    return scales.get(key)!;
  };
  const padding = (pad: 'same' | 'valid') => stringAttr('auto_pad', pad === 'same' ? 'SAME_UPPER' : 'VALID');

  const conv = (c: FrozenConv, name: string, input: string): string => {
    const [kh, kw, ci, co] = c.kernel.shape;
    const k = c.kernel.dataSync() as Float32Array;
    const w = new Float32Array(k.length); // [kh, kw, ci, co] -> [co, ci, kh, kw]
    for (let y = 0; y < kh; y++) {
      for (let x = 0; x < kw; x++) {
        for (let i = 0; i < ci; i++) {
          for (let o = 0; o < co; o++) w[((o * ci + i) * kh + y) * kw + x] = k[((y * kw + x) * ci + i) * co + o];
        }
      }
    }
    let out = node('Conv', `${name}/conv`, [input, constant(`${name}/W`, [co, ci, kh, kw], w), constant(`${name}/B`, [co], c.bias.dataSync() as Float32Array)], [
      intsAttr('kernel_shape', [kh, kw]),
      intsAttr('strides', c.strides),
      intsAttr('dilations', c.dilations),
      padding(c.pad),
    ]);
    if (c.activation === 'leakyrelu') out = node('LeakyRelu', `${name}/lrelu`, [out], [{ name: 'alpha', type: ATTR.FLOAT, f: c.alpha }]);
    if (c.scale) out = node('Mul', `${name}/scale`, [out, constant(`${name}/a`, [1, co, 1, 1], c.scale.dataSync() as Float32Array)]);
    if (c.shift) out = node('Add', `${name}/shift`, [out, constant(`${name}/b`, [1, co, 1, 1], c.shift.dataSync() as Float32Array)]);
    return out;
  };

  const outputOf = new Map<string, string>([[graph.input, ONNX_INPUT]]);
  for (const n of graph.nodes) {
    const ins = n.inputs.map((i) => {
      const v = outputOf.get(i);
      if (v === undefined) throw new AtomdynError('model', `cannot export the network: node ${n.name} reads ${i}, which is not computed before it`);
      return v;
    });
    const spec: FrozenOp = n.spec;
    let out: string;
    switch (spec.op) {
      case 'conv':
        out = conv(spec, n.name, ins[0]);
        break;
      case 'leakyRelu':
        out = node('LeakyRelu', n.name, ins, [{ name: 'alpha', type: ATTR.FLOAT, f: spec.alpha }]);
        break;
      case 'maxPool':
        out = node('MaxPool', n.name, ins, [intsAttr('kernel_shape', spec.poolSize), intsAttr('strides', spec.strides), padding(spec.pad)]);
        break;
      case 'upsample': {
        const x = spec.before ? conv(spec.before, `${n.name}/before`, ins[0]) : ins[0];
        const attrs = spec.mode === 'bilinear'
          ? [stringAttr('mode', 'linear'), stringAttr('coordinate_transformation_mode', 'half_pixel')]
          : [stringAttr('mode', 'nearest'), stringAttr('coordinate_transformation_mode', 'asymmetric'), stringAttr('nearest_mode', 'floor')];
        out = node('Resize', n.name, [x, '', scalesFor(spec.size)], attrs);
        break;
      }
      case 'concat':
        out = node('Concat', n.name, ins, [intAttr('axis', 1)]);
        break;
      case 'softmax':
        out = node('Softmax', n.name, ins, [intAttr('axis', 1)]);
        break;
    }
    outputOf.set(n.name, out);
  }
  const last = outputOf.get(graph.output);
  if (last === undefined) throw new AtomdynError('model', `cannot export the network: its output ${graph.output} is not computed`);
  node('Transpose', 'output', [last], [intsAttr('perm', [0, 2, 3, 1])], ONNX_OUTPUT);

  const tensorType = (dims: Array<number | string>) => ({
    tensorType: { elemType: FLOAT, shape: { dim: dims.map((d) => (typeof d === 'number' ? { dimValue: d } : { dimParam: d })) } },
  });
  const message = Model.fromObject({
    irVersion: 7,
    opsetImport: [{ domain: '', version: 13 }],
    producerName: 'atomdyn',
    producerVersion,
    docString: 'U-Net segmenter, frozen for inference (batch norm folded): models/inferenceGraph.ts, exported by models/onnxExport.ts',
    graph: {
      name: 'unet',
      node: nodes,
      initializer: initializers,
      input: [{ name: ONNX_INPUT, type: tensorType(['n', 1, 'h', 'w']) }],
      output: [{ name: ONNX_OUTPUT, type: tensorType(['n', 'h', 'w', 'classes']) }],
    },
  });
  return Model.encode(message).finish();
}
