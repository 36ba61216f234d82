public class Api { public static void main(String[] a) {} }
