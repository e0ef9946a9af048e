/**
 * Agglomerative (hierarchical) clustering with a dendrogram through `ml-hclust` (`agnes`, Ward
 * linkage by default; Ward, J. Am. Stat. Assoc. 58, 236 (1963)). The tree is cut into K clusters;
 * the dendrogram is returned as merges with heights for drawing. The distance matrix is n² numbers,
 * so n is limited (default 4000 samples).
 */
import { agnes, type AgglomerationMethod, type Cluster } from 'ml-hclust';
import { asDataMatrix, checkComponents, type UnmixingInput } from './unmixingModel.ts';
import { ClusteringModel, clusteringFromLabels } from './kmeans.ts';

/** Settings of {@link AgglomerativeEstimator}. */
export interface AgglomerativeOptions {
  /** Clusters K (integer >= 1, <= n). */
  nComponents: number;
  /** Linkage; default 'ward'. */
  linkage?: AgglomerationMethod;
  /** Largest n accepted; default 4000. */
  maxSamples?: number;
}

/** One node of a dendrogram: a leaf (sample) or a merge of two or more nodes. */
export interface DendrogramNode {
  /** Merge height (linkage distance); 0 for a leaf. */
  height: number;
  /** Child node ids (indices into `nodes`); empty for a leaf. */
  children: number[];
  /** The sample of a leaf, -1 for a merge. */
  sample: number;
  /** Samples under the node. */
  size: number;
}

/** A dendrogram: nodes, the root id and the leaf order that draws it without crossings. */
export interface Dendrogram {
  nodes: DendrogramNode[];
  root: number;
  /** Samples in drawing order. */
  leafOrder: number[];
}

/** A fitted agglomerative clustering: the clusters and the whole tree. Immutable. */
export class AgglomerativeModel extends ClusteringModel {
  readonly dendrogram: Dendrogram;

  constructor(base: ClusteringModel, dendrogram: Dendrogram) {
    super({ method: 'agglomerative', nSamples: base.nSamples, nFeatures: base.nFeatures, components: base.components, labels: base.labels, inertia: base.inertia });
    this.dendrogram = dendrogram;
    Object.freeze(this);
  }
}

function toDendrogram(root: Cluster): Dendrogram {
  const nodes: DendrogramNode[] = [];
  const visit = (c: Cluster): number => {
    const children = c.isLeaf ? [] : c.children.map(visit);
    nodes.push({ height: c.isLeaf ? 0 : c.height, children, sample: c.isLeaf ? c.index : -1, size: c.size });
    return nodes.length - 1;
  };
  const r = visit(root);
  return { nodes, root: r, leafOrder: root.indices() };
}

/** The agglomerative estimator. */
export class AgglomerativeEstimator {
  readonly options: Readonly<AgglomerativeOptions>;

  constructor(options: AgglomerativeOptions) {
    this.options = Object.freeze({ ...options });
  }

  /** @throws RangeError on bad input, K > n, or more samples than `maxSamples` */
  fit(X: UnmixingInput): AgglomerativeModel {
    const m = asDataMatrix(X);
    const { n, d, data } = m;
    const K = this.options.nComponents;
    checkComponents(K, n, 'agglomerative clustering');
    const maxSamples = this.options.maxSamples ?? 4000;
    if (n > maxSamples) throw new RangeError(`agglomerative clustering of ${n} samples needs ${n}² distances; use at most ${maxSamples} (subsample, or k-means)`);
    const rows = Array.from({ length: n }, (_, i) => Array.from(data.subarray(i * d, (i + 1) * d)));
    const tree = agnes(rows, { method: this.options.linkage ?? 'ward' });
    const raw = new Int32Array(n);
    const groups = K === 1 ? [tree] : tree.group(K).children;
    groups.forEach((g, k) => {
      for (const i of g.isLeaf ? [g.index] : g.indices()) raw[i] = k;
    });
    return new AgglomerativeModel(clusteringFromLabels('agglomerative', data, n, d, raw), toDendrogram(tree));
  }
}
