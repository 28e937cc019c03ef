// The plugins load Bottleneck's dependency-free build by this path; its types are the package's.
declare module 'bottleneck/light.js' {
  import Bottleneck from 'bottleneck';
  export default Bottleneck;
}
