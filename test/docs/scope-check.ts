/**
 * The mistake the docs once taught, checked statically: a `return` of a
 * promise, without `await`, from inside a `using` scope or a `try` block with
 * `finally`. The scope ends (and cancels its context) when the function returns,
 * so the promise's work is cancelled before it finishes. Running the examples
 * shows this only when the work really waits on the context; this check sees it
 * in every block.
 */
import ts from 'typescript';

/** The `return` statements of `file` that hand a scope's unfinished promise to the caller. */
export function unawaitedScopeReturns(file: ts.SourceFile, checker: ts.TypeChecker): ts.ReturnStatement[] {
  const found: ts.ReturnStatement[] = [];
  const isThenable = (expr: ts.Expression): boolean => checker.getTypeAtLocation(expr).getProperty('then') !== undefined;

  // Every return statement under `node` that belongs to the same function (nested functions are skipped).
  const returnsIn = (node: ts.Node, out: ts.ReturnStatement[]): void => {
    if (ts.isFunctionLike(node) || ts.isClassLike(node)) return;
    if (ts.isReturnStatement(node)) out.push(node);
    node.forEachChild((child) => returnsIn(child, out));
  };
  const check = (scope: ts.Node[]): void => {
    const returns: ts.ReturnStatement[] = [];
    for (const node of scope) returnsIn(node, returns);
    for (const ret of returns) {
      if (ret.expression && !ts.isAwaitExpression(ret.expression) && isThenable(ret.expression)) found.push(ret);
    }
  };

  const visit = (node: ts.Node): void => {
    if (ts.isTryStatement(node) && node.finallyBlock) check([node.tryBlock, ...(node.catchClause ? [node.catchClause.block] : [])]);
    if (ts.isBlock(node) || ts.isSourceFile(node)) {
      // A `using` declaration scopes everything after it in its block.
      const statements = node.statements;
      const at = statements.findIndex(
        (s) => ts.isVariableStatement(s) && (s.declarationList.flags & ts.NodeFlags.Using) !== 0,
      );
      if (at >= 0) check(statements.slice(at + 1));
    }
    node.forEachChild(visit);
  };
  visit(file);
  return found;
}
